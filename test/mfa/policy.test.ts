import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { SoftAuthenticator } from '../harness/webauthn.js';
import { enrollTotp, expectProblem, mfaAuth, passwordStep, setCookieNames, storedEvents, totpCode } from './helpers.js';

describe.each(backends)('MFA policy by role, enrolment logins and the admin reset (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = new FakeClock();
    // The production default, set explicitly: the test profile requires no roles.
    t = await startTestServer({ backend, clock, config: { mfa: { required_roles: ['staff', 'superuser'] }, protection: { ladder: [] } } });
  });
  afterAll(() => t.close());

  it('a staff user without MFA gets an enrolment token and no session, on both login endpoints', async () => {
    const staff = await seedUser(t, { email: 'sam@example.com', role: 'staff' });
    const c = t.client();
    const cookie = await c.post('/api/v1/auth/login', { email: staff.email, password: staff.password });
    expect(cookie.status).toBe(200);
    expect(cookie.body).toEqual({ mfa_enrollment_required: true, mfa_token: expect.stringMatching(/^[\w-]{43}$/) });
    expect(setCookieNames(cookie)).not.toContain('gatehouse_session');
    const token = await c.post('/api/v1/auth/token', { email: staff.email, password: staff.password });
    expect(token.body.mfa_enrollment_required).toBe(true);
    expect(token.body.access_token).toBeUndefined();
    const enrol = cookie.body.mfa_token as string;
    // The enrolment token opens the enrolment endpoints and nothing else.
    expect((await c.get('/api/v1/me/mfa', { headers: mfaAuth(enrol) })).status).toBe(200);
    expect((await c.get('/api/v1/me/passkeys', { headers: mfaAuth(enrol) })).status).toBe(200);
    for (const path of ['/api/v1/me', '/api/v1/me/sessions', '/api/v1/me/devices', '/api/v1/admin/users', '/api/v1/admin/events']) {
      expect((await c.get(path, { headers: mfaAuth(enrol) })).status, path).toBe(401);
      expect((await c.get(path, { headers: { authorization: `Bearer ${enrol}` } })).status, path).toBe(401);
    }
    expect((await c.get('/api/v1/me')).status).toBe(401);
    // Removing methods needs a real session.
    expect((await c.delete('/api/v1/me/mfa/x', { password: staff.password }, { headers: mfaAuth(enrol) })).status).toBe(401);
    // Recovery codes only come with a second factor.
    expectProblem(await c.post('/api/v1/me/mfa/recovery-codes', {}, { headers: mfaAuth(enrol) }), 422, 'rule_failed');
  });

  it('cookie mode: confirming a first TOTP finishes the login (session cookie, amr pwd+otp+mfa); the token is then spent', async () => {
    const staff = await seedUser(t, { email: 'sue@example.com', role: 'staff' });
    const c = t.client();
    const step = await passwordStep(c, staff.email, staff.password, { rememberMe: true });
    const { confirm, secret } = await enrollTotp(c, t, mfaAuth(step.token));
    expect(confirm.body.method.type).toBe('totp');
    expect(confirm.body.login.user.email).toBe(staff.email);
    expect(setCookieNames(confirm)).toContain('gatehouse_session');
    const status = (await c.get('/api/v1/auth/status')).body;
    expect(status).toMatchObject({ authenticated: true, amr: ['pwd', 'otp', 'mfa'], remember_me: true });
    expect((await c.get('/api/v1/me/mfa', { headers: mfaAuth(step.token) })).status).toBe(401);
    // From now on the user has MFA: the password step asks for it.
    clock.advance(30_000);
    const next = await passwordStep(t.client(), staff.email, staff.password);
    expect(next.methods).toEqual(['totp']);
    expect((await t.client().post('/api/v1/auth/mfa/verify', { mfa_token: next.token, method: 'totp', code: totpCode(secret, clock.now()) })).status).toBe(200);
  });

  it('token mode: registering a first passkey finishes the login with a token pair', async () => {
    const admin = await seedUser(t, { email: 'root@example.com', role: 'superuser' });
    const c = t.client();
    const step = await passwordStep(c, admin.email, admin.password, { mode: 'token' });
    const key = new SoftAuthenticator(t.url, '127.0.0.1');
    const options = await c.post('/api/v1/me/passkeys/options', {}, { headers: mfaAuth(step.token) });
    expect(options.status).toBe(200);
    const r = await c.post('/api/v1/me/passkeys', { name: 'yubikey', response: key.create(options.body) }, { headers: mfaAuth(step.token) });
    expect(r.status).toBe(201);
    expect(r.body.login.access_token).toBeDefined();
    expect(r.body.login.token_type).toBe('Bearer');
    const me = await t.client().get('/api/v1/me', { headers: { authorization: `Bearer ${r.body.login.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('email enrolment needs the mailed code before the login completes', async () => {
    const staff = await seedUser(t, { email: 'sid@example.com', role: 'staff' });
    const c = t.client();
    const step = await passwordStep(c, staff.email, staff.password);
    const start = await c.post('/api/v1/me/mfa/email', {}, { headers: mfaAuth(step.token) });
    expect(start.status).toBe(200);
    expectProblem(await c.post('/api/v1/me/mfa/email/confirm', { id: start.body.id, code: '000000' }, { headers: mfaAuth(step.token) }), 401, 'mfa_invalid');
    expect((await c.get('/api/v1/me')).status).toBe(401);
  });

  it('users whose role needs no MFA log in with the password alone', async () => {
    const u = await seedUser(t, { email: 'uma@example.com', role: 'user' });
    const r = await t.client().post('/api/v1/auth/login', { email: u.email, password: u.password });
    expect(r.body.user.email).toBe(u.email);
  });

  it('admin reset: removes the methods (event), the user must enrol again; staff cannot reset a superuser', async () => {
    const admin = await seedUser(t, { email: 'ada@example.com', role: 'superuser' });
    const staff = await seedUser(t, { email: 'stan@example.com', role: 'staff' });
    const adminC = t.client();
    const a = await passwordStep(adminC, admin.email, admin.password);
    await enrollTotp(adminC, t, mfaAuth(a.token));
    const staffC = t.client();
    const s = await passwordStep(staffC, staff.email, staff.password);
    await enrollTotp(staffC, t, mfaAuth(s.token));
    expect((await staffC.get('/api/v1/me')).status).toBe(200);

    expectProblem(await staffC.delete(`/api/v1/admin/users/${admin.id}/mfa`), 403, 'forbidden');
    expect((await adminC.delete(`/api/v1/admin/users/${staff.id}/mfa`)).status).toBe(204);
    const events = (await storedEvents(t, 'mfa_reset')).filter((e) => e.target_id === staff.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.actor_id).toBe(admin.id);
    // The reset ended the staff user's sessions; the next login must enrol again.
    expect((await staffC.get('/api/v1/me')).status).toBe(401);
    const again = await t.client().post('/api/v1/auth/login', { email: staff.email, password: staff.password });
    expect(again.body.mfa_enrollment_required).toBe(true);
    expectProblem(await adminC.delete('/api/v1/admin/users/nobody/mfa'), 404, 'not_found');
  });

  it('removing a method needs the password and ends other sessions; adding one ends other sessions too', async () => {
    const u = await seedUser(t, { email: 'rita@example.com', role: 'user' });
    const main: Client = t.client();
    await loginCookie(main, u.email, u.password);
    const side = t.client();
    await loginCookie(side, u.email, u.password);
    const { id } = await enrollTotp(main, t);
    expect((await side.get('/api/v1/me')).status).toBe(401);
    expect((await main.get('/api/v1/me')).status).toBe(200);
    expectProblem(await main.delete(`/api/v1/me/mfa/${id}`, {}), 401, 'reauth_required');
    expectProblem(await main.delete(`/api/v1/me/mfa/${id}`, { password: 'wrong password entirely' }), 401, 'reauth_required');
    expect((await main.delete(`/api/v1/me/mfa/${id}`, { password: u.password })).status).toBe(204);
    expect((await storedEvents(t, 'mfa_removed')).filter((e) => e.target_id === u.id)).toHaveLength(1);
    expect((await storedEvents(t, 'mfa_enrolled')).filter((e) => e.target_id === u.id)).toHaveLength(1);
    expect((await main.get('/api/v1/me/mfa')).body.methods).toEqual([]);
  });

  it('adding a method needs a recent login or the password', async () => {
    const u = await seedUser(t, { email: 'rob@example.com', role: 'user' });
    const c = t.client();
    await loginCookie(c, u.email, u.password);
    clock.advance(16 * 60_000);
    expectProblem(await c.post('/api/v1/me/mfa/totp', {}), 401, 'reauth_required');
    expectProblem(await c.post('/api/v1/me/passkeys/options', {}), 401, 'reauth_required');
    expect((await c.post('/api/v1/me/mfa/totp', { password: u.password })).status).toBe(200);
  });
});
