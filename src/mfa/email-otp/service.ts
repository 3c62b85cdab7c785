import type { Mailer } from '../../mail/mailer.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../errors/app-error.js';
import type { MfaLimits } from '../limits.js';
import type { OobCodes } from '../oob-codes.js';
import { createOobMethod } from '../oob-method.js';
import type { MfaStore } from '../store.js';

/** "a•••@example.com": enough for the user to recognise the mailbox, not to learn it. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '•••' : `${email[0]}•••${email.slice(at)}`;
};

/**
 * Email codes: 6 digits mailed to the user's current address with the `mfa_code` template. The
 * method has no address of its own, so a changed email moves the codes with it.
 */
export function createEmailOtp(deps: { store: MfaStore; codes: OobCodes; limits: MfaLimits; clock: Clock; mailer: Mailer }) {
  const minutes = Math.max(1, Math.ceil(deps.codes.ttlSeconds / 60));
  return createOobMethod({
    channel: 'email',
    store: deps.store,
    codes: deps.codes,
    limits: deps.limits,
    clock: deps.clock,
    async deliver(user, _method, code) {
      try {
        await deps.mailer.send({ template: 'mfa_code', to: user.email, vars: { name: user.name, code, expires_in_minutes: minutes } });
      } catch {
        // The mailer logged the cause (without address or code).
        throw new AppError('mfa_delivery_failed');
      }
    },
  });
}
export type EmailOtp = ReturnType<typeof createEmailOtp>;
