import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { createRenderer } from './render.js';
import { outboxTransport, smtpTransport } from './transport.js';
import type { MailMessage, Mailer } from './types.js';

export type { MailMessage, Mailer, MailTime, RenderedMail, TemplateName, TemplateVars } from './types.js';

/** `send` rejects with this when the transport fails; `cause` holds the transport's error. */
export class MailDeliveryError extends Error {
  constructor(
    readonly template: string,
    readonly recipientDomain: string,
    options: { cause: unknown },
  ) {
    super(`mail ${template} to a recipient at ${recipientDomain} could not be delivered`, options);
    this.name = 'MailDeliveryError';
  }
}

/** One plain address, no display name, no list: a comma must never add a second recipient. */
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]\\"]+@[^\s@,;:<>()[\]\\"]+$/;

function recipientDomain(to: string): string {
  return to.slice(to.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * What a log line may say about a failure: no recipient address (only its domain is logged), no
 * message content. SMTP replies often quote the address, so local parts are cut out.
 */
function describeFailure(err: unknown): Record<string, unknown> {
  const e = (err ?? {}) as { name?: string; message?: string; code?: string; responseCode?: number; command?: string };
  return {
    name: e.name,
    message: String(e.message ?? err).replace(/[^\s<>"'@]+@/g, '…@').slice(0, 300),
    // Not `code`: the logger redacts that name everywhere (it usually means an OTP).
    error_code: e.code,
    smtp_status: e.responseCode,
    smtp_command: e.command,
  };
}

export interface MailerDeps {
  config: Config;
  logger: Logger;
  /** Date header of each mail; defaults to the system clock. */
  clock?: Clock;
}

/**
 * The mail capability: renders templates and delivers them over SMTP (smtp.url) or, with no SMTP
 * configured, into .eml files in `<data_dir>/outbox`. Throws ConfigError on a bad SMTP URL or brand colour.
 */
export function createMailer({ config, logger, clock = systemClock }: MailerDeps): Mailer {
  const render = createRenderer(config.brand);
  const transport = config.smtp.url ? smtpTransport(config.smtp.url) : outboxTransport(config.data_dir);
  const log = logger.child({ component: 'mail' });
  const pending = new Set<Promise<void>>();
  let closed = false;

  async function send(message: MailMessage): Promise<void> {
    if (closed) throw new Error('mailer is closed');
    if (message.to.length > 254 || !SINGLE_ADDRESS.test(message.to)) throw new Error('mail recipient must be one plain email address');
    const domain = recipientDomain(message.to);
    const { subject, text, html } = render(message);
    try {
      await transport.deliver({
        template: message.template,
        from: config.smtp.from,
        to: message.to,
        subject,
        text,
        html,
        date: new Date(clock.now()),
        headers: {
          // RFC 3834: an automated message; asks vacation responders and the like not to answer.
          'Auto-Submitted': 'auto-generated',
          'X-Auto-Response-Suppress': 'All',
          'X-Gatehouse-Template': message.template,
        },
      });
    } catch (err) {
      // Template and domain only: the recipient and the links (live tokens) stay out of logs.
      log.error({ template: message.template, to_domain: domain, error: describeFailure(err) }, 'mail delivery failed');
      throw new MailDeliveryError(message.template, domain, { cause: err });
    }
    log.info({ template: message.template, to_domain: domain }, 'mail sent');
  }

  return {
    send,
    sendInBackground(message) {
      const done: Promise<void> = send(message)
        .catch((err: unknown) => {
          // Delivery failures were logged by send; this catches the rest (bad address, closed mailer).
          if (!(err instanceof MailDeliveryError)) {
            log.error({ template: message.template, error: describeFailure(err) }, 'mail not sent');
          }
        })
        .then(() => {
          pending.delete(done);
        });
      pending.add(done);
    },
    render,
    describe: () => transport.describe(),
    async close() {
      closed = true;
      await Promise.allSettled([...pending]);
      transport.close();
    },
  };
}
