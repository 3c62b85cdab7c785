import { AppError } from '../../errors/app-error.js';

/** E.164: "+", a country code not starting with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Normalises a phone number to E.164 and validates it. Spaces, dots, dashes and brackets that
 * people type are dropped; anything else (letters, a missing "+") is refused with 422.
 */
export function normalizePhone(input: string): string {
  const compact = input.trim().replace(/[\s.\-()]/g, '');
  if (!E164.test(compact)) {
    throw new AppError('rule_failed', {
      detail: 'The phone number must be in international E.164 form, like +441632960961',
      errors: [{ code: 'phone_e164', message: 'expected + and 7 to 15 digits', field: 'body.phone_number' }],
    });
  }
  return compact;
}

/** A phone number with all but the last two digits hidden, for lists and challenge answers. */
export const maskPhone = (e164: string): string => `+${'•'.repeat(Math.max(0, e164.length - 3))}${e164.slice(-2)}`;
