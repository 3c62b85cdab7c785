import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { enrollTotp, expectProblem, mfaAuth, passwordStep, setCookieNames, totpCode } from './helpers.js';

const STEP = 30_000;

describe.each(backends)('TOTP second factor (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let ann: { id: string; email: string; password: string };
  let secret: string;

  beforeAll(async () => {
    clock = new FakeClock();
    // The IP ladder is protection's business; these tests make deliberate failures from one address.
    t = await startTestServer({ backend, clock, config: { protection: { ladder: [] } } });
    ann = await seedUser(t, { email: 'ann@example.com' });
  });
  afterAll(() => t.close());

  it('enrols: secret, otpauth URI and an SVG QR code; pending until a first valid code', async () => {
    const c = t.client();
    await loginCookie(c, ann.email, ann.password);
    const r = await c.post('/api/v1/me/mfa/totp', { name: 'phone' });
    expect(r.status).toBe(200);
    expect(r.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(r.body.otpauth_uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(r.body.secret);
    expect(uri.searchParams.get('issuer')).toBe('Gatehouse');
    expect(r.body.qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(r.body.qr.split(',')[1], 'base64').toString()).toContain('<svg');
    // Pending: not listed, and the password alone still logs in.
    expect((await c.get('/api/v1/me/mfa')).body.methods).toEqual([]);
    expect((await t.client().post('/api/v1/auth/login', { email: ann.email, password: ann.password })).body.user).toBeDefined();
    // A wrong first code does not activate it.
    const wrong = totpCode(r.body.secret, clock.now() + 10 * STEP);
    expectProblem(await c.post('/api/v1/me/mfa/totp/confirm', { id: r.body.id, code: wrong }), 401, 'mfa_invalid');
    const ok = await c.post('/api/v1/me/mfa/totp/confirm', { id: r.body.id, code: totpCode(r.body.secret, clock.now()) });
    expect(ok.status).toBe(200);
    expect(ok.body.method).toMatchObject({ id: r.body.id, type: 'totp', name: 'phone' });
    expect((await c.get('/api/v1/me/mfa')).body.methods.map((m: { type: string }) => m.type)).toEqual(['totp']);
    secret = r.body.secret;
  });

  it('keeps the secret encrypted at rest with the master key id', async () => {
    const row = await t.server.container.db.kysely.selectFrom('mfa_methods').selectAll().where('user_id', '=', ann.id).executeTakeFirstOrThrow();
    expect(row.secret_envelope).toMatch(new RegExp(`^v1\\.${t.server.container.keyring.currentKid}\\.`));
    expect(row.secret_envelope).not.toContain(secret);
    expect(JSON.stringify(t.logs)).not.toContain(secret);
  });

  it('password step gives an mfa_token and no session; the half-login opens nothing', async () => {
    const c = t.client();
    const step = await passwordStep(c, ann.email, ann.password);
    expect(step.reply.body).toEqual({ mfa_required: true, mfa_token: step.token, methods: ['totp'] });
    expect(step.token).toMatch(/^[\w-]{43}$/);
    expect(setCookieNames(step.reply)).not.toContain('gatehouse_session');
    expect((await c.get('/api/v1/me')).status).toBe(401);
    expect((await c.get('/api/v1/me', { headers: { authorization: `Bearer ${step.token}` } })).status).toBe(401);
    expect((await c.get('/api/v1/me', { headers: mfaAuth(step.token) })).status).toBe(401);
    // An mfa_required token is not an enrolment token either.
    expect((await c.get('/api/v1/me/mfa', { headers: mfaAuth(step.token) })).status).toBe(401);
    expect((await c.get('/api/v1/auth/status')).body.authenticated).toBe(false);
  });

  it('logs in with a code computed independently; the same code is refused the second time', async () => {
    clock.advance(STEP);
    const code = totpCode(secret, clock.now());
    const c = t.client();
    const step = await passwordStep(c, ann.email, ann.password);
    const r = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code });
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe(ann.email);
    expect(setCookieNames(r)).toContain('gatehouse_session');
    expect((await c.get('/api/v1/me')).status).toBe(200);
    expect((await c.get('/api/v1/auth/status')).body.amr).toEqual(['pwd', 'otp', 'mfa']);
    // The finished mfa_token is spent.
    expectProblem(await t.client().post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code }), 401, 'invalid_token');
    // Replay of the same code in the same step, on another login: refused.
    const other = t.client();
    const again = await passwordStep(other, ann.email, ann.password);
    expectProblem(await other.post('/api/v1/auth/mfa/verify', { mfa_token: again.token, method: 'totp', code }), 401, 'mfa_invalid');
    expect((await other.get('/api/v1/me')).status).toBe(401);
  });

  it('token mode: /auth/token answers the MFA step and verify answers the token pair (amr pwd, otp, mfa)', async () => {
    clock.advance(STEP);
    const c = t.client();
    const step = await passwordStep(c, ann.email, ann.password, { mode: 'token' });
    expect(step.reply.body.access_token).toBeUndefined();
    expect(step.reply.body.mfa_required).toBe(true);
    const r = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code: totpCode(secret, clock.now()) });
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(setCookieNames(r)).not.toContain('gatehouse_session');
    expect(decodeJwt(r.body.access_token).amr).toEqual(['pwd', 'otp', 'mfa']);
    const me = await t.client().get('/api/v1/me', { headers: { authorization: `Bearer ${r.body.access_token}` } });
    expect(me.status).toBe(200);
    expect((await c.post('/api/v1/auth/refresh', { refresh_token: r.body.refresh_token })).status).toBe(200);
  });

  it('accepts codes of the previous and next step, refuses codes three steps away', async () => {
    clock.advance(10 * STEP);
    const tryCode = async (at: number) => {
      const c = t.client();
      const step = await passwordStep(c, ann.email, ann.password);
      return c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code: totpCode(secret, at) });
    };
    expectProblem(await tryCode(clock.now() - 3 * STEP), 401, 'mfa_invalid');
    expectProblem(await tryCode(clock.now() + 3 * STEP), 401, 'mfa_invalid');
    expect((await tryCode(clock.now() - STEP)).status).toBe(200);
    expect((await tryCode(clock.now())).status).toBe(200);
    expect((await tryCode(clock.now() + STEP)).status).toBe(200);
  });

  it('the mfa_token lives 5 minutes and only for the user agent of the password step', async () => {
    clock.advance(2 * STEP);
    const c = t.client();
    const ua = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' };
    const step = await passwordStep(c, ann.email, ann.password, { headers: ua });
    const code = totpCode(secret, clock.now());
    const otherUa = { 'user-agent': 'curl/8.0' };
    const stolen = await t.client().post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code }, { headers: otherUa });
    expectProblem(stolen, 401, 'invalid_token');
    clock.advance(5 * 60_000 + 1000);
    const late = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code: totpCode(secret, clock.now()) }, { headers: ua });
    expectProblem(late, 401, 'invalid_token');
  });

  it('a second TOTP method works beside the first; adding one from a session answers no login', async () => {
    clock.advance(2 * STEP);
    const c = t.client();
    const step = await passwordStep(c, ann.email, ann.password);
    await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code: totpCode(secret, clock.now()) });
    clock.advance(STEP);
    const second = await enrollTotp(c, t);
    expect(second.confirm.body.login).toBeUndefined();
    clock.advance(STEP);
    const l = t.client();
    const s2 = await passwordStep(l, ann.email, ann.password);
    expect((await l.post('/api/v1/auth/mfa/verify', { mfa_token: s2.token, method: 'totp', code: totpCode(second.secret, clock.now()) })).status).toBe(200);
  });
});
