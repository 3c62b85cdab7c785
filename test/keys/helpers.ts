import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { CompactSign, decodeProtectedHeader, type CryptoKey, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { TEST_MASTER_SECRET, type TestServer } from '../harness/server.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const run = promisify(execFile);

/** Runs the real `gatehouse` command as its own process against the test server's database. */
export async function runGatehouse(t: TestServer, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    APP_ENV: 'test',
    GATEHOUSE_DATA_DIR: t.config.data_dir,
    GATEHOUSE_MASTER_SECRET: TEST_MASTER_SECRET,
    GATEHOUSE_PUBLIC_URL: t.config.public_url,
  };
  if (t.databaseUrl) env.DATABASE_URL = t.databaseUrl;
  try {
    const r = await run(process.execPath, [join(root, 'bin', 'gatehouse.js'), ...args], { cwd: root, env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Where a second server finds the first one's database (SQLite file in its data dir, or the PG URL). */
export const sharedDatabase = (t: TestServer) => t.databaseUrl ?? join(t.config.data_dir, 'gatehouse.db');

export const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A compact JWS with any header and payload, signed by `key` (ours or an attacker's). */
export async function signRaw(key: CryptoKey | KeyObject, header: Record<string, unknown>, payload: JWTPayload): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

/** header.payload.signature from parts, without signing (alg:none, tampering). */
export const assemble = (header: unknown, payload: unknown, signature = '') => `${b64(header)}.${b64(payload)}.${signature}`;

/** Claims a real access token from `t` would carry, at the server clock's now. */
export function goodClaims(t: TestServer, over: Partial<JWTPayload> & Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(t.server.container.clock.now() / 1000);
  return {
    iss: t.config.public_url,
    aud: t.config.public_url,
    sub: 'user-1',
    sid: 'session-1',
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    amr: ['pwd'],
    iat: now,
    exp: now + 300,
    ...over,
  };
}

/** The token is refused with 401 invalid_token. */
export async function expectRefused(t: TestServer, token: string): Promise<void> {
  await expect(t.server.container.jwt.verifyAccessToken(token)).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
}
