import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { runGatehouse } from '../harness/cli.js';
import { startTestServer, TEST_MASTER_SECRET, type TestServer } from '../harness/server.js';
import { accountsTestConfig, STRONG, STRONG2, tryLogin } from './helpers.js';

/** The environment that points the CLI at a running test server's database. */
function cliEnv(t: TestServer): Record<string, string> {
  return {
    APP_ENV: 'test',
    GATEHOUSE_DATA_DIR: t.config.data_dir,
    GATEHOUSE_PUBLIC_URL: t.config.public_url,
    GATEHOUSE_MASTER_SECRET: TEST_MASTER_SECRET,
    ...(t.databaseUrl ? { DATABASE_URL: t.databaseUrl } : {}),
  };
}

const sameDatabase = (t: TestServer) => t.databaseUrl ?? join(t.config.data_dir, 'gatehouse.db');

describe.each(backends)('gatehouse admin create and the bootstrap admin (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      backend,
      config: { ...accountsTestConfig, bootstrap_admin_email: 'boot@example.com', bootstrap_admin_password: STRONG2 },
    });
  });
  afterAll(() => t.close());

  it('creates a superuser from a piped password', { timeout: 240_000 }, async () => {
    const r = await runGatehouse(['admin', 'create', '--email', 'Piped.Root@example.com', '--name', 'Piped Root'], cliEnv(t), `${STRONG}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created superuser Piped\.Root@example\.com \(id [0-9A-Z]{26}\)$/m);
    expect(r.stdout).not.toContain(STRONG);
    const c = t.client();
    expect(await tryLogin(c, 'piped.root@example.com', STRONG)).toBe(200);
    expect((await c.get('/api/v1/me')).body).toMatchObject({ role: 'superuser', status: 'active', email_verified: true, name: 'Piped Root' });
  });

  it('refuses a taken address and a weak password', { timeout: 240_000 }, async () => {
    await runGatehouse(['admin', 'create', '--email', 'taken.root@example.com', '--name', 'Taken'], cliEnv(t), `${STRONG}\n`);
    const again = await runGatehouse(['admin', 'create', '--email', 'TAKEN.root@example.com', '--name', 'Again'], cliEnv(t), `${STRONG2}\n`);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    const weak = await runGatehouse(['admin', 'create', '--email', 'weak.root@example.com', '--name', 'Weak'], cliEnv(t), 'admin\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/does not meet the policy[\s\S]*at least 12 characters/);
    expect(await tryLogin(t.client(), 'weak.root@example.com', 'admin')).toBe(401);
  });

  it('prints a one-time setup link with --setup-link', { timeout: 240_000 }, async () => {
    const r = await runGatehouse(['admin', 'create', '--email', 'linked.root@example.com', '--name', 'Linked Root', '--setup-link'], cliEnv(t), '');
    expect(r.code).toBe(0);
    const link = /(http\S+\/reset-password\?token=[\w-]+)/.exec(r.stdout)?.[1];
    expect(link).toBeDefined();
    const token = new URL(link!).searchParams.get('token')!;
    const c = t.client();
    expect((await c.post('/api/v1/auth/password/reset', { token, password: STRONG })).status).toBe(204);
    expect((await c.post('/api/v1/auth/password/reset', { token, password: STRONG2 })).status).toBe(400);
    expect(await tryLogin(c, 'linked.root@example.com', STRONG)).toBe(200);
  });

  it('bootstraps the admin once; a second start creates nothing new', { timeout: 240_000 }, async () => {
    expect(await tryLogin(t.client(), 'boot@example.com', STRONG2)).toBe(200);
    const { db } = t.server.container;
    const count = async () => Number((await db.kysely.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const second = await startTestServer({
      backend,
      databaseUrl: sameDatabase(t),
      config: { bootstrap_admin_email: 'boot@example.com', bootstrap_admin_password: STRONG2 },
    });
    try {
      expect(await count()).toBe(before);
      // Even a changed bootstrap address creates nobody once the bootstrap is done.
      const third = await startTestServer({
        backend,
        databaseUrl: sameDatabase(t),
        config: { bootstrap_admin_email: 'other-boot@example.com', bootstrap_admin_password: STRONG2 },
      });
      await third.close();
      expect(await count()).toBe(before);
      await t.server.container.events.flush();
      const created = await db.kysely.selectFrom('events').select('data').where('type', '=', 'superuser_created').execute();
      expect(created.filter((e) => JSON.parse(e.data).via === 'bootstrap')).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe('bootstrap admin without a password, and with a weak one', () => {
  it('creates the superuser with a setup link only; refuses to start on a weak password', { timeout: 240_000 }, async () => {
    const t = await startTestServer({ config: { bootstrap_admin_email: 'linkboot@example.com' } });
    try {
      const user = await t.server.container.users.findByEmail('linkboot@example.com');
      expect(user).toMatchObject({ role: 'superuser', status: 'active', password_hash: null });
      const links = await t.server.container.db.kysely.selectFrom('password_resets').selectAll().where('user_id', '=', user!.id).execute();
      expect(links.map((l) => l.purpose)).toEqual(['setup']);
    } finally {
      await t.close();
    }
    await expect(startTestServer({ config: { bootstrap_admin_email: 'weakboot@example.com', bootstrap_admin_password: 'admin' } })).rejects.toThrow(
      /does not meet the password policy/,
    );
  });
});
