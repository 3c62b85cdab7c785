import { createHmac } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { SmsMessage, SmsProvider } from './provider.js';

/**
 * The signature header value for a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">`. The timestamp is inside the MAC so a receiver can refuse stale replays.
 */
export function smsWebhookSignature(secret: string, unixSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * POSTs `{to, message}` as JSON to the configured URL, signed in `X-Gatehouse-Signature`, so any
 * SMS gateway can sit behind a small adapter. A non-2xx answer or a timeout is a failure.
 */
export function createWebhookSmsProvider(deps: { url: string; secret: string; timeoutSeconds: number; clock: Clock }): SmsProvider {
  return {
    name: 'webhook',
    async send(sms: SmsMessage) {
      const body = JSON.stringify({ to: sms.to, message: sms.message });
      const t = Math.floor(deps.clock.now() / 1000);
      const res = await fetch(deps.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gatehouse-signature': smsWebhookSignature(deps.secret, t, body) },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(deps.timeoutSeconds * 1000),
      });
      // Drain the body so the connection can be reused or closed.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`SMS webhook answered ${res.status}`);
    },
  };
}
