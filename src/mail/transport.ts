import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Transporter } from 'nodemailer';
import { ConfigError } from '../config/load.js';
import { commonJsExports } from '../shared/commonjs.js';
import { newId } from '../shared/ids.js';

/** A finished message for a transport. */
export interface Outgoing {
  template: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date: Date;
  headers: Record<string, string>;
}

export interface MailTransport {
  describe(): string;
  deliver(mail: Outgoing): Promise<void>;
  close(): void;
}

/**
 * Query options an operator may put on GATEHOUSE_SMTP_URL, in nodemailer's own words:
 * `?requireTLS=true`, `?ignoreTLS=true` (never STARTTLS), `?tls.rejectUnauthorized=false`, `?pool=true`, ….
 * Anything else is refused: nodemailer would otherwise let a URL switch to a different transport
 * (sendmail with a binary path, for one).
 */
const SMTP_QUERY_KEYS = new Set([
  'secure', 'requireTLS', 'ignoreTLS', 'opportunisticTLS', 'name', 'localAddress', 'authMethod',
  'pool', 'maxConnections', 'maxMessages', 'connectionTimeout', 'greetingTimeout', 'socketTimeout',
]);
const SMTP_TLS_KEYS = new Set(['rejectUnauthorized', 'servername', 'minVersion', 'maxVersion', 'ciphers']);

/** Parses and checks the SMTP URL; errors never echo it, since it may hold a password. */
function checkSmtpUrl(raw: string): URL {
  const label = 'smtp.url (GATEHOUSE_SMTP_URL)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError([`${label}: expected a URL like smtp://user:pass@host:587 or smtps://host:465`]);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError([`${label}: expected the scheme smtp: or smtps:, got ${url.protocol}`]);
  }
  if (!url.hostname) throw new ConfigError([`${label}: the URL names no host`]);
  const unknown = [...url.searchParams.keys()].filter(
    (k) => !SMTP_QUERY_KEYS.has(k) && !(k.startsWith('tls.') && SMTP_TLS_KEYS.has(k.slice(4))),
  );
  if (unknown.length) throw new ConfigError([`${label}: unsupported option(s) ${unknown.join(', ')}`]);
  return url;
}

type TransportOptions = Parameters<typeof import('nodemailer').createTransport>[0];

/**
 * A nodemailer transporter made on the first message: most processes send no mail for a long
 * time (or ever), and nodemailer is the largest module the server would otherwise load at start.
 */
function lazyTransporter(options: TransportOptions) {
  let made: Promise<Transporter> | undefined;
  let closed = false;
  return {
    get(): Promise<Transporter> {
      if (!made) {
        made = import('nodemailer').then((m) => commonJsExports(m).createTransport(options));
        made.catch(() => (made = undefined)); // a failed load is tried again by the next message
      }
      return made;
    },
    close(): void {
      if (closed) return;
      closed = true;
      void made?.then((t) => t.close(), () => {});
    },
  };
}

function toMailOptions(mail: Outgoing) {
  const { from, to, subject, text, html, date, headers } = mail;
  return { from, to, subject, text, html, date, headers };
}

/** Sends over SMTP. Timeouts are short: a caller awaiting `send` must not hang for minutes. */
export function smtpTransport(rawUrl: string): MailTransport {
  const url = checkSmtpUrl(rawUrl);
  const transporter = lazyTransporter({
    url: rawUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
  // Host and port only: the user name and password in the URL stay out of the start-up line.
  const where = `${url.protocol}//${url.hostname}:${port}`;
  return {
    describe: () => `SMTP ${where}`,
    async deliver(mail) {
      await (await transporter.get()).sendMail(toMailOptions(mail));
    },
    close: () => transporter.close(),
  };
}

/**
 * With no SMTP configured, every message becomes an RFC 5322 .eml file (CRLF line ends) in
 * `<data_dir>/outbox`, openable by any mail client. Files hold live links and codes, so they are
 * readable by the owner only.
 */
export function outboxTransport(dataDir: string): MailTransport {
  const dir = resolve(dataDir, 'outbox');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const composer = lazyTransporter({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    describe: () => `outbox ${dir}`,
    async deliver(mail) {
      const info = await (await composer.get()).sendMail(toMailOptions(mail));
      // ULID first: files sort by the time they were written. Written under a temporary name and
      // renamed, so whoever watches the outbox for .eml files never reads one half-written.
      const name = join(dir, `${newId()}-${mail.template}.eml`);
      await writeFile(`${name}.part`, info.message as Buffer, { mode: 0o600, flag: 'wx' });
      await rename(`${name}.part`, name);
    },
    close: () => composer.close(),
  };
}
