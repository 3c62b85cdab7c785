import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { mailTo, startAccountsServer, STRONG, STRONG2, tryLogin, type AccountsServer } from './helpers.js';

const HOUR = 3600_000;

describe.each(backends)('link lifetimes and single use under races (%s)', (backend) => {
  let s: AccountsServer;
  let clock: FakeClock;
  beforeAll(async () => {
    clock = new FakeClock(Date.now());
    s = await startAccountsServer(backend, {}, { clock });
  });
  afterAll(() => s.close());

  it('a reset link dies after 1 hour', async () => {
    const u = await seedUser(s.t, { email: 'late-reset@example.com', password: STRONG });
    await s.t.client().post('/api/v1/auth/password/forgot', { email: u.email });
    const token = s.mail.tokenIn(await mailTo(s.mail, u.email, 'password_reset'), '/reset-password');
    clock.advance(HOUR + 1000);
    const r = await s.t.client().post('/api/v1/auth/password/reset', { token, password: STRONG2 });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_link');
    expect(await tryLogin(s.t.client(), u.email, STRONG)).toBe(200);
  });

  it('verification link and code die after 24 hours', async () => {
    await s.t.client().post('/api/v1/auth/register', { email: 'late-verify@example.com', password: STRONG, name: 'Late Verifier' });
    const msg = await mailTo(s.mail, 'late-verify@example.com', 'verify_email');
    clock.advance(24 * HOUR + 1000);
    const c = s.t.client();
    expect((await c.post('/api/v1/auth/verify-email', { token: s.mail.tokenIn(msg, '/verify-email') })).status).toBe(400);
    expect((await c.post('/api/v1/auth/verify-email', { email: 'late-verify@example.com', code: s.mail.codeIn(msg) })).status).toBe(400);
  });

  it('an invitation dies after 7 days', async () => {
    const admin = await seedUser(s.t, { email: 'late-admin@example.com', role: 'superuser' });
    const c = s.t.client();
    await loginCookie(c, admin.email, admin.password);
    expect((await c.post('/api/v1/admin/invitations', { email: 'late-guest@example.com' })).status).toBe(201);
    const token = s.mail.tokenIn(await mailTo(s.mail, 'late-guest@example.com', 'invite'), '/invite');
    clock.advance(7 * 24 * HOUR + 1000);
    const r = await s.t.client().post('/api/v1/auth/invitations/accept', { token, name: 'Late Guest', password: STRONG });
    expect(r.status).toBe(400);
    // The admin's session idled out meanwhile: log in again to look.
    await loginCookie(c, admin.email, admin.password);
    const list = await c.get('/api/v1/admin/invitations?status=expired');
    expect(list.body.items.map((i: { email: string }) => i.email)).toContain('late-guest@example.com');
  });

  it('two racing resets with one link: exactly one wins', async () => {
    const u = await seedUser(s.t, { email: 'race-reset@example.com', password: STRONG });
    await s.t.client().post('/api/v1/auth/password/forgot', { email: u.email });
    const token = s.mail.tokenIn(await mailTo(s.mail, u.email, 'password_reset'), '/reset-password');
    const passwords = ['racing lantern orbit 11 fennel', 'racing marble tundra 22 violin', 'racing quiet sprocket 33 drum'];
    const answers = await Promise.all(passwords.map((password) => s.t.client().post('/api/v1/auth/password/reset', { token, password })));
    expect(answers.map((a) => a.status).sort()).toEqual([204, 400, 400]);
    const logins = await Promise.all(passwords.map((p) => tryLogin(s.t.client(), u.email, p)));
    expect(logins.filter((x) => x === 200)).toHaveLength(1);
  });

  it('two racing acceptances of one invitation: exactly one account', async () => {
    const admin = await seedUser(s.t, { email: 'race-admin@example.com', role: 'staff' });
    const c = s.t.client();
    await loginCookie(c, admin.email, admin.password);
    await c.post('/api/v1/admin/invitations', { email: 'race-guest@example.com' });
    const token = s.mail.tokenIn(await mailTo(s.mail, 'race-guest@example.com', 'invite'), '/invite');
    const answers = await Promise.all(
      ['Racer One', 'Racer Two', 'Racer Three'].map((name) => s.t.client().post('/api/v1/auth/invitations/accept', { token, name, password: STRONG })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400, 400]);
    const users = await s.t.server.container.db.kysely.selectFrom('users').select('id').where('email_normalized', '=', 'race-guest@example.com').execute();
    expect(users).toHaveLength(1);
  });
});
