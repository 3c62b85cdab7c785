import type { Logger } from 'pino';
import { AppError } from '../../errors/app-error.js';
import type { Clock } from '../../shared/clock.js';
import type { MfaLimits } from '../limits.js';
import type { OobCodes } from '../oob-codes.js';
import { createOobMethod } from '../oob-method.js';
import type { MfaStore } from '../store.js';
import type { SmsProvider } from './provider.js';

/**
 * SMS codes: 6 digits texted through the configured provider to the method's E.164 number,
 * which was proven by a first code when the method was enrolled.
 */
export function createSmsOtp(deps: {
  store: MfaStore;
  codes: OobCodes;
  limits: MfaLimits;
  clock: Clock;
  provider: SmsProvider;
  logger: Logger;
  productName: string;
}) {
  const minutes = Math.max(1, Math.ceil(deps.codes.ttlSeconds / 60));
  const log = deps.logger.child({ component: 'sms' });
  return createOobMethod({
    channel: 'sms',
    store: deps.store,
    codes: deps.codes,
    limits: deps.limits,
    clock: deps.clock,
    async deliver(_user, method, code) {
      const message = `${code} is your ${deps.productName} code. It expires in ${minutes} minutes. Never share it.`;
      try {
        await deps.provider.send({ to: method.phone_number!, message });
      } catch (err) {
        log.error({ provider: deps.provider.name, reason: (err as Error).message }, 'sms delivery failed');
        throw new AppError('mfa_delivery_failed');
      }
    },
  });
}
export type SmsOtp = ReturnType<typeof createSmsOtp>;
