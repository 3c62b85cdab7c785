import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../shared/clock.js';
import { createLogSmsProvider } from './log-provider.js';
import { createWebhookSmsProvider } from './webhook-provider.js';

/** One text message to one E.164 number. */
export interface SmsMessage {
  to: string;
  message: string;
}

/** Where SMS codes leave Gatehouse. `send` rejects when the message was not accepted. */
export interface SmsProvider {
  readonly name: string;
  send(sms: SmsMessage): Promise<void>;
}

/** The configured provider (sms.provider): `log` for development, `webhook` for any gateway. */
export function createSmsProvider(deps: { config: Config; logger: Logger; clock: Clock }): SmsProvider {
  const { sms } = deps.config;
  if (sms.provider === 'webhook') {
    if (!sms.webhook_url || !sms.webhook_secret) throw new Error('sms.provider=webhook needs sms.webhook_url and sms.webhook_secret');
    return createWebhookSmsProvider({
      url: sms.webhook_url,
      secret: sms.webhook_secret,
      timeoutSeconds: sms.webhook_timeout,
      clock: deps.clock,
    });
  }
  return createLogSmsProvider({ logger: deps.logger, showText: deps.config.app_env === 'development' });
}
