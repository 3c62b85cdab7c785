import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { Client, Reply } from '../harness/client.js';
import type { TestServer } from '../harness/server.js';

/** A TOTP code computed here with otpauth, independently of the server (RFC 6238 defaults). */
export function totpCode(secretBase32: string, atMs: number): string {
  return new TOTP({ secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: atMs });
}

export const mfaAuth = (token: string) => ({ authorization: `MfaToken ${token}` });

export function expectProblem(r: Reply, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
}

/** The password step; expects the MFA answer and returns its token. */
export async function passwordStep(
  c: Client,
  email: string,
  password: string,
  opts: { mode?: 'cookie' | 'token'; headers?: Record<string, string>; rememberMe?: boolean } = {},
): Promise<{ token: string; methods: string[]; reply: Reply }> {
  const path = opts.mode === 'token' ? '/api/v1/auth/token' : '/api/v1/auth/login';
  const r = await c.post(path, { email, password, remember_me: opts.rememberMe }, { headers: opts.headers });
  if (r.status !== 200 || !r.body?.mfa_token) throw new Error(`expected an MFA answer for ${email}: ${r.status} ${r.text}`);
  return { token: r.body.mfa_token as string, methods: (r.body.methods ?? []) as string[], reply: r };
}

/** Enrols and confirms TOTP for the client's session (or an enrolment token); returns secret and method id. */
export async function enrollTotp(c: Client, t: TestServer, headers?: Record<string, string>): Promise<{ id: string; secret: string; confirm: Reply }> {
  const r = await c.post('/api/v1/me/mfa/totp', { name: 'phone' }, { headers });
  if (r.status !== 200) throw new Error(`totp enrolment failed: ${r.status} ${r.text}`);
  const confirm = await c.post('/api/v1/me/mfa/totp/confirm', { id: r.body.id, code: totpCode(r.body.secret, t.clock.now()) }, { headers });
  if (confirm.status !== 200) throw new Error(`totp confirm failed: ${confirm.status} ${confirm.text}`);
  return { id: r.body.id as string, secret: r.body.secret as string, confirm };
}

/** Stored events of a type (after flushing the write-behind queue). */
export async function storedEvents(t: TestServer, type: string) {
  const c = t.server.container;
  await c.events.flush();
  const rows = await c.db.kysely.selectFrom('events').selectAll().where('type', '=', type).orderBy('id').execute();
  return rows.map((r) => ({ data: JSON.parse(r.data) as Record<string, unknown>, target_id: r.target_id, actor_id: r.actor_id }));
}

/** Cookie names a reply set. */
export const setCookieNames = (r: Reply) => r.cookies.map((c) => c.slice(0, c.indexOf('=')));

export interface ReceivedSms {
  to: string;
  message: string;
  signature: string;
  raw: string;
  /** The signature checked here with the shared secret: t=<unix>,v1=<hex HMAC-SHA256("<t>.<raw>")>. */
  signatureValid: boolean;
  t: number;
}

/** A stand-in SMS gateway on 127.0.0.1 that records webhook calls and checks their signature. */
export async function startSmsReceiver(secret: string): Promise<{ url: string; messages: ReceivedSms[]; codeFor(to: string): string; close(): Promise<void> }> {
  const messages: ReceivedSms[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['x-gatehouse-signature'] ?? '');
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
      const expected = m ? createHmac('sha256', secret).update(`${m[1]}.${raw}`).digest() : Buffer.alloc(32);
      const signatureValid = !!m && timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
      const body = JSON.parse(raw) as { to: string; message: string };
      messages.push({ ...body, signature, raw, signatureValid, t: m ? Number(m[1]) : NaN });
      res.writeHead(signatureValid ? 202 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    messages,
    codeFor(to) {
      const last = [...messages].reverse().find((m) => m.to === to);
      const code = last && /\b(\d{6})\b/.exec(last.message)?.[1];
      if (!code) throw new Error(`no SMS code for ${to}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
