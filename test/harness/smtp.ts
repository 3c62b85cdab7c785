import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the sink received, parsed. */
export interface SinkMessage {
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  /** The From header as written on the wire ("Gatehouse <no-reply@localhost>"). */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Header names lower-cased; folded lines unfolded. */
  headers: Record<string, string>;
  /** The raw RFC 5322 message. */
  raw: string;
}

export interface SmtpSinkOptions {
  /** Recipients for which the sink answers 550 (to test delivery failures). */
  rejectRecipient?: (address: string) => boolean;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:<port>: put it into `smtp.url`. */
  url: string;
  /** Every message received so far, oldest first. */
  messages: SinkMessage[];
  /** The first message (received already or later) that matches; rejects after timeoutMs. */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /** The absolute link `<origin><path>?token=…` from the text part; throws when there is none. */
  linkIn(msg: SinkMessage, path: string): string;
  /** The token of that link. */
  tokenIn(msg: SinkMessage, path: string): string;
  /** The 6-digit code standing on its own line in the text part; throws when there is none. */
  codeIn(msg: SinkMessage): string;
  close(): Promise<void>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function addressText(a: AddressObject | AddressObject[] | undefined): string {
  if (!a) return '';
  return Array.isArray(a) ? a.map((x) => x.text).join(', ') : a.text;
}

/** A real SMTP server on 127.0.0.1 (no TLS, any or no AUTH) that keeps every message it receives. */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const arrivals = new EventEmitter();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'test' }),
    onRcptTo(address, _session, cb) {
      if (opts.rejectRecipient?.(address.address)) {
        const err = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', cb);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const headers: Record<string, string> = {};
            for (const { key, line } of parsed.headerLines) {
              headers[key.toLowerCase()] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            }
            const msg: SinkMessage = {
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: headers.from ?? addressText(parsed.from),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers,
              raw: raw.toString('utf8'),
            };
            messages.push(msg);
            arrivals.emit('message', msg);
            cb();
          })
          .catch(cb);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  const linkIn = (msg: SinkMessage, path: string): string => {
    const re = new RegExp(`https?://[^\\s]*?${escapeRegExp(path)}\\?token=[A-Za-z0-9_-]+`);
    const found = re.exec(msg.text)?.[0];
    if (!found) throw new Error(`no ${path}?token=… link in mail "${msg.subject}":\n${msg.text}`);
    return found;
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(predicate, timeoutMs = 5000) {
      const already = messages.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const onMessage = (m: SinkMessage) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          arrivals.off('message', onMessage);
          resolve(m);
        };
        const timer = setTimeout(() => {
          arrivals.off('message', onMessage);
          const seen = messages.map((m) => `  ${m.to.join(',')}: ${m.subject}`).join('\n') || '  (none)';
          reject(new Error(`no matching mail arrived within ${timeoutMs} ms; received:\n${seen}`));
        }, timeoutMs);
        arrivals.on('message', onMessage);
      });
    },
    linkIn,
    tokenIn: (msg, path) => new URL(linkIn(msg, path)).searchParams.get('token')!,
    codeIn(msg) {
      const code = /^[ \t]*(\d{6})[ \t]*$/m.exec(msg.text)?.[1];
      if (!code) throw new Error(`no 6-digit code in mail "${msg.subject}":\n${msg.text}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
