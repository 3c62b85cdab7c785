import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { enrollTotp, expectProblem, passwordStep, setCookieNames, storedEvents, totpCode } from './helpers.js';

const STEP = 30_000;
const FIREFOX = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' };
const FIREFOX_NEXT = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0' };
const CHROME = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' };

describe.each(backends)('recovery codes and trusted devices (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock, config: { protection: { ladder: [] } } });
  });
  afterAll(() => t.close());

  /** A user with TOTP and a cookie session on `c`. */
  async function userWithTotp(email: string, c: Client) {
    const u = await seedUser(t, { email });
    await loginCookie(c, u.email, u.password);
    const { secret } = await enrollTotp(c, t);
    clock.advance(STEP);
    return { ...u, secret };
  }

  async function verify(c: Client, token: string, body: Record<string, unknown>, headers?: Record<string, string>) {
    return c.post('/api/v1/auth/mfa/verify', { mfa_token: token, ...body }, { headers });
  }

  it('recovery codes: 10 shown once, each works once, a new set revokes the old one', async () => {
    const c = t.client();
    const u = await userWithTotp('rex@example.com', c);
    const r = await c.post('/api/v1/me/mfa/recovery-codes', {});
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const codes = r.body.codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    // Stored only as HMACs.
    const rows = await t.server.container.db.kysely.selectFrom('mfa_recovery_codes').selectAll().where('user_id', '=', u.id).execute();
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(codes.map((x) => x.replace('-', ''))).not.toContain(row.code_hash);
    expect((await c.get('/api/v1/me/mfa')).body.methods.find((m: { type: string }) => m.type === 'recovery_code')).toMatchObject({ remaining: 10 });

    const l = t.client();
    const step = await passwordStep(l, u.email, u.password);
    expect(step.methods).toEqual(['totp', 'recovery_code']);
    // Typed in capitals without the dash: still the same code.
    const ok = await verify(l, step.token, { method: 'recovery_code', code: codes[0]!.toUpperCase().replace('-', '') });
    expect(ok.status).toBe(200);
    expect((await l.get('/api/v1/auth/status')).body.amr).toEqual(['pwd', 'otp', 'mfa']);
    const again = await passwordStep(l, u.email, u.password);
    expectProblem(await verify(l, again.token, { method: 'recovery_code', code: codes[0] }), 401, 'mfa_invalid');

    const fresh = await c.post('/api/v1/me/mfa/recovery-codes', {});
    expect((await storedEvents(t, 'recovery_codes_regenerated')).filter((e) => e.target_id === u.id)).toHaveLength(2);
    expectProblem(await verify(l, again.token, { method: 'recovery_code', code: codes[1] }), 401, 'mfa_invalid');
    expect((await verify(l, again.token, { method: 'recovery_code', code: fresh.body.codes[1] })).status).toBe(200);
    // Viewing new codes needs a recent login (or the password).
    clock.advance(16 * 60_000);
    expectProblem(await l.post('/api/v1/me/mfa/recovery-codes', {}), 401, 'reauth_required');
    expect((await l.post('/api/v1/me/mfa/recovery-codes', { password: u.password })).status).toBe(200);
  });

  it('trusted device: after MFA with trust_device the cookie skips MFA on that browser family only', async () => {
    const c = t.client();
    const u = await userWithTotp('tia@example.com', c);
    const b = t.client();
    const step = await passwordStep(b, u.email, u.password, { headers: FIREFOX });
    const r = await verify(b, step.token, { method: 'totp', code: totpCode(u.secret, clock.now()), trust_device: true }, FIREFOX);
    expect(r.status).toBe(200);
    const device = r.cookies.find((x) => x.startsWith('gatehouse_device='))!;
    expect(device).toMatch(/; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Strict$/);
    expect((await storedEvents(t, 'trusted_device_added')).filter((e) => e.target_id === u.id)).toHaveLength(1);

    // Same browser (a newer version): no MFA, in cookie and in token mode.
    const direct = await b.post('/api/v1/auth/login', { email: u.email, password: u.password }, { headers: FIREFOX_NEXT });
    expect(direct.body.user?.email).toBe(u.email);
    expect((await b.get('/api/v1/auth/status', { headers: FIREFOX_NEXT })).body.amr).toEqual(['pwd']);
    const tokens = await b.post('/api/v1/auth/token', { email: u.email, password: u.password }, { headers: FIREFOX });
    expect(tokens.body.access_token).toBeDefined();
    // The cookie copied into another browser, altered, or shown for another user: MFA again.
    expect((await b.post('/api/v1/auth/login', { email: u.email, password: u.password }, { headers: CHROME })).body.mfa_required).toBe(true);
    const stolen = b.jar.get('gatehouse_device')!;
    const tampered = `${stolen.slice(0, -2)}${stolen.endsWith('A') ? 'BB' : 'AA'}`;
    const x = t.client();
    x.jar.set('gatehouse_device', tampered);
    expect((await x.post('/api/v1/auth/login', { email: u.email, password: u.password }, { headers: FIREFOX })).body.mfa_required).toBe(true);
    const otherUser = t.client();
    const o = await userWithTotp('tom@example.com', otherUser);
    const y = t.client();
    y.jar.set('gatehouse_device', stolen);
    expect((await y.post('/api/v1/auth/login', { email: o.email, password: o.password }, { headers: FIREFOX })).body.mfa_required).toBe(true);
    // 30 days later it no longer counts.
    clock.advance(30 * 86_400_000 + 1000);
    expect((await b.post('/api/v1/auth/login', { email: u.email, password: u.password }, { headers: FIREFOX })).body.mfa_required).toBe(true);
  });

  it('trusted devices are listed and revocable; revoked, MFA is asked again', async () => {
    const c = t.client();
    const u = await userWithTotp('ute@example.com', c);
    const b = t.client();
    const step = await passwordStep(b, u.email, u.password, { headers: FIREFOX });
    await verify(b, step.token, { method: 'totp', code: totpCode(u.secret, clock.now()), trust_device: true }, FIREFOX);
    const list = await b.get('/api/v1/me/devices', { headers: FIREFOX });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ current: true, ua_family: 'Firefox on Linux' });
    // Another user cannot revoke it.
    const other = t.client();
    await loginCookie(other, (await seedUser(t, { email: 'ugo@example.com' })).email, 'a sturdy test passphrase 42');
    expectProblem(await other.delete(`/api/v1/me/devices/${list.body.items[0].id}`), 404, 'not_found');
    expect((await b.delete(`/api/v1/me/devices/${list.body.items[0].id}`, undefined, { headers: FIREFOX })).status).toBe(204);
    expect((await b.get('/api/v1/me/devices', { headers: FIREFOX })).body.items).toEqual([]);
    expect((await storedEvents(t, 'trusted_device_revoked')).filter((e) => e.target_id === u.id)).toHaveLength(1);
    expect((await b.post('/api/v1/auth/login', { email: u.email, password: u.password }, { headers: FIREFOX })).body.mfa_required).toBe(true);
  });

  it('a password change revokes every trusted device', async () => {
    const c = t.client();
    const u = await userWithTotp('val@example.com', c);
    const b = t.client();
    const step = await passwordStep(b, u.email, u.password, { headers: FIREFOX });
    await verify(b, step.token, { method: 'totp', code: totpCode(u.secret, clock.now()), trust_device: true }, FIREFOX);
    expect((await b.post('/api/v1/auth/login', { email: u.email, password: u.password }, { headers: FIREFOX })).body.user).toBeDefined();
    const newPassword = 'glacier kettle umbrella 9384 sparrow';
    const change = await b.post('/api/v1/me/password', { current_password: u.password, new_password: newPassword }, { headers: FIREFOX });
    expect(change.status).toBe(204);
    const after = await b.post('/api/v1/auth/login', { email: u.email, password: newPassword }, { headers: FIREFOX });
    expect(after.body.mfa_required).toBe(true);
    expect(setCookieNames(after)).not.toContain('gatehouse_session');
    const revoked = (await storedEvents(t, 'trusted_device_revoked')).filter((e) => e.target_id === u.id);
    expect(revoked.map((e) => e.data.reason)).toEqual(['password_changed']);
  });
});
