import type { Logger } from 'pino';
import { maskPhone } from './phone.js';
import type { SmsMessage, SmsProvider } from './provider.js';

/**
 * Development provider: writes each SMS to the app log instead of sending it. The text (which
 * holds a live code) is logged only in the development profile; elsewhere logs must never carry
 * codes, so only the masked number is written.
 */
export function createLogSmsProvider(deps: { logger: Logger; showText: boolean }): SmsProvider {
  const log = deps.logger.child({ component: 'sms' });
  return {
    name: 'log',
    async send(sms: SmsMessage) {
      log.info({ sms_to: deps.showText ? sms.to : maskPhone(sms.to), ...(deps.showText ? { sms_text: sms.message } : {}) }, 'sms (log provider)');
    },
  };
}
