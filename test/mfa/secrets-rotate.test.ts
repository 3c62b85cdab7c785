import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { Keyring, masterKeyId } from '../../src/crypto/keyring.js';
import { openDatabase } from '../../src/db/connect.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends, freshPostgresSchema } from '../harness/backends.js';
import { startTestServer, TEST_MASTER_SECRET } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { enrollTotp, passwordStep, totpCode } from './helpers.js';

const NEW_SECRET = 'the-next-master-secret-0123456789-qrstuvwxyz';

/** Runs `gatehouse <args>` in-process with only the given environment. */
async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env, stdin: process.stdin };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(backends)('gatehouse secrets rotate (%s)', (backend) => {
  let dir: string;
  let databaseUrl: string;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-rotate-'));
    if (backend === 'postgres') {
      const fresh = await freshPostgresSchema();
      databaseUrl = fresh.url;
      drop = fresh.drop;
    } else {
      databaseUrl = `sqlite:${join(dir, 'shared.db')}`;
    }
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-encrypts TOTP secrets under the new master secret', async () => {
    const clock = new FakeClock();
    // 1. TOTP enrolled under the old master secret.
    const before = await startTestServer({ backend, clock, databaseUrl, config: { database_url: databaseUrl } });
    const u = await seedUser(before, { email: 'max@example.com' });
    const c = before.client();
    await loginCookie(c, u.email, u.password);
    const { secret } = await enrollTotp(c, before);
    await before.close();

    // 2. The operator moves to a new secret, keeping the old one as previous, and rotates.
    const env = { APP_ENV: 'test', GATEHOUSE_DATA_DIR: dir, DATABASE_URL: databaseUrl, GATEHOUSE_MASTER_SECRET: NEW_SECRET, GATEHOUSE_MASTER_SECRET_PREVIOUS: TEST_MASTER_SECRET };
    const r = await cli(['secrets', 'rotate'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`mfa secrets: 1 checked, 1 re-encrypted under master key ${masterKeyId(NEW_SECRET)}`);
    expect(r.out).toMatch(/signing keys: [1-9]\d* checked, [1-9]\d* re-encrypted/);
    const again = await cli(['secrets', 'rotate'], env);
    expect(again.out).toContain('1 checked, 0 re-encrypted');

    // 3. The envelope now names the new master key and opens with the new secret alone.
    const db = openDatabase({ databaseUrl, dataDir: dir });
    try {
      const row = await db.kysely.selectFrom('mfa_methods').selectAll().where('user_id', '=', u.id).executeTakeFirstOrThrow();
      expect(row.secret_envelope!.split('.')[1]).toBe(masterKeyId(NEW_SECRET));
      expect(new Keyring(NEW_SECRET).decrypt('mfa-secrets', row.secret_envelope!, row.id).toString()).toBe(secret);
    } finally {
      await db.close();
    }
    // 4. A server on the new secret ALONE starts (its signing keys open) and logs in with a code.
    clock.advance(30_000);
    const after = await startTestServer({
      backend,
      clock,
      databaseUrl,
      config: { database_url: databaseUrl, master_secret: NEW_SECRET, master_secret_previous: [] },
    });
    try {
      const l = after.client();
      const step = await passwordStep(l, u.email, u.password);
      const v = await l.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code: totpCode(secret, clock.now()) });
      expect(v.status).toBe(200);
      // The JWKS is rebuilt from the decrypted private keys: it opens under the new secret alone.
      const jwks = await l.get('/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys.length).toBeGreaterThan(0);
    } finally {
      await after.close();
    }
    // Without the previous secret, nothing old is left to rotate, and a wrong secret is reported.
    const stale = await cli(['secrets', 'rotate'], { ...env, GATEHOUSE_MASTER_SECRET: 'a-completely-different-secret-0123456789-xyz', GATEHOUSE_MASTER_SECRET_PREVIOUS: '' });
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('1 could not be decrypted');
  });
});
