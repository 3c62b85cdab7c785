import type { Client } from '../harness/client.js';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../harness/smtp.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../harness/server.js';
import type { BackendName } from '../harness/backends.js';

/**
 * Account suites test their own rules: the protection limits (rate limits, brute-force ladder)
 * and MFA enforcement, tested in their own suites, are switched off so they do not interfere.
 */
export const accountsTestConfig = {
  registration: 'open',
  protection: {
    rate_limit_per_ip: 0,
    ladder: [],
    login: { per_ip: 0, per_account: 0 },
    code_verify: { per_ip: 0, per_account: 0 },
    register: { per_ip: 0, per_account: 0 },
    mail_send: { per_ip: 0, per_account: 0 },
  },
  mfa: { required_roles: [] },
};

export interface AccountsServer {
  t: TestServer;
  mail: SmtpSink;
  close(): Promise<void>;
}

/** A test server whose mail goes over SMTP to a sink on 127.0.0.1. */
export async function startAccountsServer(
  backend: BackendName,
  config: Record<string, unknown> = {},
  opts: Omit<TestServerOptions, 'backend' | 'config'> = {},
): Promise<AccountsServer> {
  const mail = await startSmtpSink();
  const t = await startTestServer({ ...opts, backend, config: deepMerge(accountsTestConfig, { smtp: { url: mail.url }, ...config }) });
  return {
    t,
    mail,
    async close() {
      await t.close();
      await mail.close();
    },
  };
}

type Obj = Record<string, unknown>;
function deepMerge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev) ? deepMerge(prev as Obj, v as Obj) : v;
  }
  return out;
}

/** The next mail of a template to an address (the template name is in a header of every mail). */
export function mailTo(mail: SmtpSink, to: string, template: string, after = 0): Promise<SinkMessage> {
  return mail.waitFor((m) => mail.messages.indexOf(m) >= after && m.to.includes(to.toLowerCase()) && m.headers['x-gatehouse-template'] === template);
}

/** Mails of a template to an address received so far. */
export const mailsTo = (mail: SmtpSink, to: string, template: string) =>
  mail.messages.filter((m) => m.to.includes(to.toLowerCase()) && m.headers['x-gatehouse-template'] === template);

/** Problem bodies compared without the per-request trace id. */
export const sameProblem = (b: Obj) => ({ ...b, trace_id: undefined });

/** Logs in by cookie; returns the status (200 on success). */
export async function tryLogin(c: Client, email: string, password: string): Promise<number> {
  return (await c.post('/api/v1/auth/login', { email, password })).status;
}

/** Waits until every mail sent in the background so far has left (sink order is then stable). */
export async function settle(t: TestServer): Promise<void> {
  await t.server.container.events.flush();
  await t.server.container.accounts.attempts.flush();
}

/** Strong passphrases the policy accepts (zxcvbn score 4, no dictionary hits as a whole). */
export const STRONG = 'marble tundra violin 47 sprocket';
export const STRONG2 = 'quiet lantern orbit 93 fennel drum';
