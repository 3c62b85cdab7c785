import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { seedUser } from '../harness/users.js';
import { settle, startAccountsServer, type AccountsServer } from './helpers.js';

const UA = 'attempt-test/1.0';

describe.each(backends)('login-attempt log and events (%s)', (backend) => {
  let s: AccountsServer;
  beforeAll(async () => {
    s = await startAccountsServer(backend);
  });
  afterAll(() => s.close());

  const attempt = (email: string, password: string) =>
    s.t.client('127.0.0.2').post('/api/v1/auth/login', { email, password }, { headers: { 'user-agent': UA } });

  it('records every attempt with its outcome in the table and the JSONL auth log', async () => {
    const ok = await seedUser(s.t, { email: 'Tracked@Example.com' });
    const off = await seedUser(s.t, { email: 'off@example.com', status: 'disabled' });
    const pending = await seedUser(s.t, { email: 'pending@example.com', status: 'pending' });
    expect((await attempt('tracked@example.com', ok.password)).status).toBe(200);
    expect((await attempt('tracked@example.com', 'secret-wrong-guess-1')).status).toBe(401);
    expect((await attempt('ghost@example.com', 'secret-wrong-guess-2')).status).toBe(401);
    expect((await attempt(off.email, off.password)).status).toBe(401);
    expect((await attempt(pending.email, pending.password)).status).toBe(401);
    await settle(s.t);

    const rows = await s.t.server.container.db.kysely
      .selectFrom('login_attempts')
      .selectAll()
      .where('email_normalized', 'in', ['tracked@example.com', 'ghost@example.com', 'off@example.com', 'pending@example.com'])
      .orderBy('time')
      .orderBy('id')
      .execute();
    const seen = rows.map((r) => [r.email_normalized, r.success, r.reason, r.user_id]);
    expect(seen).toEqual([
      ['tracked@example.com', 1, 'ok', ok.id],
      ['tracked@example.com', 0, 'wrong_password', ok.id],
      ['ghost@example.com', 0, 'unknown_email', null],
      ['off@example.com', 0, 'disabled', off.id],
      ['pending@example.com', 0, 'pending', pending.id],
    ]);
    for (const r of rows) {
      expect(r.ip).toBe('127.0.0.2');
      expect(r.user_agent).toBe(UA);
      expect(r.time).toBeGreaterThan(Date.now() - 120_000);
    }

    const text = readFileSync(join(s.t.config.data_dir, 'logs', 'auth.log'), 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const ghost = lines.find((l) => l.email === 'ghost@example.com');
    expect(ghost).toMatchObject({ type: 'login_attempt', outcome: 'failure', reason: 'unknown_email', user_id: null, ip: '127.0.0.2', user_agent: UA });
    expect(new Date(String(ghost!.time)).toISOString()).toBe(ghost!.time);
    expect(lines.find((l) => l.outcome === 'success' && l.user_id === ok.id)).toBeDefined();
    // Never a password, right or wrong.
    for (const secret of [ok.password, 'secret-wrong-guess-1', 'secret-wrong-guess-2']) expect(text).not.toContain(secret);
  });

  it('stores every attempt of a concurrent burst', async () => {
    const user = await seedUser(s.t, { email: 'burst@example.com' });
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => s.t.client(`127.0.3.${i + 1}`).post('/api/v1/auth/login', { email: user.email, password: user.password })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
    await settle(s.t);
    const rows = await s.t.server.container.db.kysely.selectFrom('login_attempts').selectAll().where('user_id', '=', user.id).execute();
    expect(rows.map((r) => r.ip).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `127.0.3.${i + 1}`).sort());
    expect(new Set(rows.map((r) => r.id)).size).toBe(12);
  });

  it('keeps the other attempts of a batch when one cannot be stored', async () => {
    const kept = await seedUser(s.t, { email: 'kept@example.com' });
    const gone = await seedUser(s.t, { email: 'gone@example.com' });
    const { db, accounts } = s.t.server.container;
    await db.kysely.deleteFrom('users').where('id', '=', gone.id).execute();
    // Both rows wait in one batch; the first names a user deleted meanwhile (a foreign-key failure).
    const base = { success: false, reason: 'wrong_password', ip: '127.0.4.1', userAgent: UA };
    accounts.attempts.record({ ...base, email: gone.email, userId: gone.id });
    accounts.attempts.record({ ...base, email: kept.email, userId: kept.id });
    await accounts.attempts.flush();
    const rows = await db.kysely.selectFrom('login_attempts').select(['email_normalized']).where('ip', '=', '127.0.4.1').execute();
    expect(rows.map((r) => r.email_normalized)).toEqual(['kept@example.com']);
  });

  it('keeps a hostile email on one line of valid JSON', async () => {
    const evil = 'x\n{"level":"info","msg":"admin login ok"}\u001b[31m@example.com';
    await attempt(evil, 'whatever whatever');
    await settle(s.t);
    const text = readFileSync(join(s.t.config.data_dir, 'logs', 'auth.log'), 'utf8');
    const lines = text.trim().split('\n');
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(lines.filter((l) => l.includes('admin login ok'))).toHaveLength(1);
    expect(text).not.toContain('\u001b');
  });

  it('records the security events of the flows', async () => {
    const c = s.t.client();
    await c.post('/api/v1/auth/register', { email: 'evented@example.com', password: 'marble tundra violin 47 sprocket', name: 'Eve Vented' });
    await attempt('evented@example.com', 'wrong wrong wrong wrong');
    await settle(s.t);
    const rows = await s.t.server.container.db.kysely.selectFrom('events').selectAll().orderBy('id').execute();
    const created = rows.find((e) => e.type === 'user_created' && JSON.parse(e.data).via === 'registration');
    expect(created).toBeDefined();
    const failed = rows.filter((e) => e.type === 'login_failed' && e.target_id === created!.target_id);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(failed[0]!.data).reason).toBe('wrong_password');
    for (const e of rows) expect(e.data).not.toContain('marble tundra');
  });
});
