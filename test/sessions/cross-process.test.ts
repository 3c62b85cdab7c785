import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/accounts/email.js';
import { createUserStore } from '../../src/accounts/store.js';
import { createPasswordHasher } from '../../src/crypto/passwords.js';
import { openDatabase, type Db } from '../../src/db/connect.js';
import { newId } from '../../src/shared/ids.js';
import { freshPostgresSchema, freshRedisPrefix, postgresAvailable, REDIS_BASE, redisAvailable } from '../harness/backends.js';
import { spawnGatehouse } from '../harness/cli.js';
import { Client, type Reply } from '../harness/client.js';
import { freePort, TEST_MASTER_SECRET } from '../harness/server.js';
import { loginCookie } from '../harness/users.js';
import { tokenLogin } from '../tokens/helpers.js';

/** The bound the design promises for a revocation to reach every instance. */
const WITHIN_MS = 1000;

interface Instance {
  url: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  dataDir: string;
}

/**
 * Both instances serve one public URL, as behind a load balancer: it is the token issuer and the
 * origin the CSRF rule expects, so a client of either instance speaks with that origin.
 */
class ClusterClient extends Client {
  constructor(
    baseUrl: string,
    readonly publicUrl: string,
  ) {
    super(baseUrl);
  }
  override get origin(): string {
    return new URL(this.publicUrl).origin;
  }
}

async function start(env: Record<string, string>, port: number): Promise<Instance> {
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-proc-'));
  const child = spawnGatehouse(['serve'], {
    ...env,
    APP_ENV: 'test',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_MASTER_SECRET: TEST_MASTER_SECRET,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  // Generous: the first start compiles the TypeScript sources (tsx), slow on a busy machine.
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gatehouse exited early (${child.exitCode}):\n${out}`);
    const ready = await new Client(url).get('/health/ready').catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`gatehouse did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, output: () => out, dataDir };
}

async function stop(i: Instance | undefined): Promise<void> {
  if (!i) return;
  if (i.child.exitCode === null) {
    const exited = new Promise((r) => i.child.once('exit', r));
    i.child.kill('SIGTERM');
    await exited;
  }
  rmSync(i.dataDir, { recursive: true, force: true });
}

/** Polls until `request` answers 401; returns how long that took (ms) from `since`. */
async function refusedAfter(request: () => Promise<Reply>, since: number): Promise<number> {
  for (;;) {
    const r = await request();
    if (r.status === 401) return Date.now() - since;
    if (Date.now() - since > 5 * WITHIN_MS) return Number.POSITIVE_INFINITY;
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe.runIf(postgresAvailable && redisAvailable)('revocation across two server processes (Postgres + Redis)', () => {
  let a: Instance | undefined;
  let b: Instance | undefined;
  let db: Db;
  let drop: () => Promise<void>;
  let publicUrl: string;
  const onA = () => new ClusterClient(a!.url, publicUrl);
  const onB = () => new ClusterClient(b!.url, publicUrl);
  const user = { email: 'multi@example.com', password: 'two processes, one session store' };

  beforeAll(async () => {
    const schema = await freshPostgresSchema();
    drop = schema.drop;
    const portA = await freePort();
    publicUrl = `http://127.0.0.1:${portA}`;
    const env = { DATABASE_URL: schema.url, REDIS_URL: REDIS_BASE, GATEHOUSE_REDIS_PREFIX: freshRedisPrefix(), GATEHOUSE_PUBLIC_URL: publicUrl };
    // A first, so it migrates alone; then B on the same database and Redis prefix.
    a = await start(env, portA);
    b = await start(env, await freePort());
    db = openDatabase({ databaseUrl: schema.url, dataDir: a.dataDir });
    const hasher = createPasswordHasher({ memoryKib: 19456, iterations: 2, parallelism: 1 });
    const now = Date.now();
    await createUserStore(db.kysely, db.dialect).insert({
      id: newId(),
      email: user.email,
      email_normalized: normalizeEmail(user.email),
      name: 'Multi',
      profile: '{}',
      attributes: '{}',
      status: 'active',
      role: 'user',
      password_hash: await hasher.hash(user.password),
      email_verified_at: now,
      single_session: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    });
  }, 360_000);
  afterAll(async () => {
    await Promise.all([stop(a), stop(b)]);
    await db?.close();
    await drop?.();
  });

  it('a bearer session revoked on A is refused on B within 1 s', async () => {
    const pair = await tokenLogin(onA(), user.email, user.password);
    const clientB = onB();
    clientB.bearer = pair.access_token;
    // B verifies A's token (shared keys) and now holds the session as live in its local map.
    expect((await clientB.get('/api/v1/me')).status).toBe(200);
    expect((await clientB.get('/api/v1/me')).status).toBe(200);
    const clientA = onA();
    clientA.bearer = pair.access_token;
    expect((await clientA.post('/api/v1/auth/logout')).status).toBe(204);
    const took = await refusedAfter(() => clientB.get('/api/v1/me'), Date.now());
    expect(took).toBeLessThanOrEqual(WITHIN_MS);
    // The refresh token died with the session, on either instance.
    expect((await clientB.post('/api/v1/auth/refresh', { refresh_token: pair.refresh_token })).status).toBe(401);
  });

  it('a cookie session revoked on B is refused on A within 1 s', async () => {
    const browser = onA();
    await loginCookie(browser, user.email, user.password);
    const sameCookieOnB = onB();
    for (const [k, v] of browser.jar) sameCookieOnB.jar.set(k, v);
    expect((await sameCookieOnB.get('/api/v1/auth/status')).body.authenticated).toBe(true);
    expect((await browser.get('/api/v1/me')).status).toBe(200);
    // Revoke from B with another session of the same user (the session list's "sign out everywhere else").
    const other = await tokenLogin(onB(), user.email, user.password);
    const admin = onB();
    admin.bearer = other.access_token;
    expect((await admin.delete('/api/v1/me/sessions')).status).toBe(204);
    const took = await refusedAfter(() => browser.get('/api/v1/me'), Date.now());
    expect(took).toBeLessThanOrEqual(WITHIN_MS);
    expect((await admin.get('/api/v1/me')).status).toBe(200);
  });

  it('a pair issued on A rotates on B, and reuse detected on B kills the session on A', async () => {
    const pair = await tokenLogin(onA(), user.email, user.password);
    const rotated = await onB().post('/api/v1/auth/refresh', { refresh_token: pair.refresh_token });
    expect(rotated.status).toBe(200);
    const clientA = onA();
    clientA.bearer = rotated.body.access_token;
    expect((await clientA.get('/api/v1/me')).status).toBe(200);
    const replay = await onB().post('/api/v1/auth/refresh', { refresh_token: pair.refresh_token });
    expect(replay.body.code).toBe('token_reused');
    const took = await refusedAfter(() => clientA.get('/api/v1/me'), Date.now());
    expect(took).toBeLessThanOrEqual(WITHIN_MS);
  });
});
