import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { expectProblem, meStatus, refresh, tokenLogin } from './helpers.js';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The documented tolerance for exp (tokens.clock_skew). */
const SKEW = 30 * S;

describe.each(backends)('token and session lifetimes, by moving the clock (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let user: { email: string; password: string };

  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock });
    user = await seedUser(t, { email: 'lena@example.com' });
  });
  afterAll(() => t.close());

  it('without remember-me: access 15 min, refresh 1 h', async () => {
    const c = t.client();
    const pair = await tokenLogin(c, user.email, user.password);
    expect(pair).toMatchObject({ expires_in: 900, refresh_expires_in: 3600 });
    clock.advance(15 * MIN - S);
    expect(await meStatus(t, pair.access_token)).toBe(200);
    clock.advance(S + SKEW + S);
    expect(await meStatus(t, pair.access_token)).toBe(401);
    // The refresh token outlives the access token; rotating gives a fresh 15 minutes.
    const next = await refresh(c, pair.refresh_token);
    expect(next.status).toBe(200);
    expect(await meStatus(t, next.body.access_token)).toBe(200);
    // Unused for an hour: refresh token (and idle session) expired.
    clock.advance(HOUR + S);
    expectProblem(await refresh(c, next.body.refresh_token), 401, 'invalid_token');
  });

  it('with remember-me: access 1 day, refresh 14 days', async () => {
    const c = t.client();
    const pair = await tokenLogin(c, user.email, user.password, true);
    expect(pair).toMatchObject({ expires_in: 86400, refresh_expires_in: 14 * 86400 });
    clock.advance(DAY - MIN);
    expect(await meStatus(t, pair.access_token)).toBe(200);
    clock.advance(MIN + SKEW + S);
    expect(await meStatus(t, pair.access_token)).toBe(401);
    clock.advance(12 * DAY);
    const next = await refresh(c, pair.refresh_token);
    expect(next.status).toBe(200);
    clock.advance(14 * DAY + S);
    expectProblem(await refresh(c, next.body.refresh_token), 401, 'invalid_token');
  });

  it('no refresh extends a session past its absolute expiry (30 days)', async () => {
    const c = t.client();
    let pair = (await tokenLogin(c, user.email, user.password, true)) as { access_token: string; refresh_token: string; refresh_expires_in: number; expires_in: number };
    const loginAt = clock.now();
    // Keep the session busy: a refresh every 6 days slides the idle window each time.
    for (let day = 6; day <= 24; day += 6) {
      clock.advance(6 * DAY);
      const r = await refresh(c, pair.refresh_token);
      expect(r.status, `refresh on day ${day}`).toBe(200);
      pair = r.body;
    }
    // Day 24: the refresh token is cut to the 6 days the session has left.
    expect(pair.refresh_expires_in).toBe(6 * 86400);
    clock.set(loginAt + 30 * DAY - HOUR);
    const last = await refresh(c, pair.refresh_token);
    expect(last.status).toBe(200);
    // The access token too ends with the session.
    expect(last.body.expires_in).toBe(3600);
    expect(last.body.refresh_expires_in).toBe(3600);
    expect(decodeJwt(last.body.access_token).exp! * 1000).toBe(Math.floor((loginAt + 30 * DAY) / 1000) * 1000);
    expect(await meStatus(t, last.body.access_token)).toBe(200);
    clock.set(loginAt + 30 * DAY + S);
    expectProblem(await refresh(c, last.body.refresh_token), 401, 'invalid_token');
    // A token still within its own exp+skew is refused because its session ended.
    expect(await meStatus(t, last.body.access_token)).toBe(401);
  });

  it('idle timeout: activity slides the idle window; an hour without activity ends a cookie session', async () => {
    const c = t.client();
    const login = await c.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      clock.advance(50 * MIN);
      expect((await c.get('/api/v1/me')).status, `request ${i} after 50 min`).toBe(200);
    }
    // 2.5 h after login, still alive thanks to activity; now idle for longer than an hour.
    clock.advance(HOUR + MIN);
    expect((await c.get('/api/v1/me')).status).toBe(401);
  });

  it('idle timeout for bearer sessions: a refresh slides it, inactivity ends it', async () => {
    const c = t.client();
    const pair = await tokenLogin(c, user.email, user.password);
    clock.advance(50 * MIN);
    const r = await refresh(c, pair.refresh_token);
    expect(r.status).toBe(200);
    clock.advance(50 * MIN);
    // 100 min after login: alive only because the refresh slid the idle window.
    expect(await meStatus(t, r.body.access_token)).toBe(401); // the access token itself (15 min) is long expired
    const again = await refresh(c, r.body.refresh_token);
    expect(again.status).toBe(200);
    expect(await meStatus(t, again.body.access_token)).toBe(200);
    clock.advance(HOUR + MIN);
    expectProblem(await refresh(c, again.body.refresh_token), 401, 'invalid_token');
  });
});

describe('cookie remember-me', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('sets a persistent cookie for the absolute lifetime with remember-me, a browser-session cookie without', async () => {
    const u = await seedUser(t, { email: 'rory@example.com' });
    const plain = await t.client().post('/api/v1/auth/login', { email: u.email, password: u.password });
    expect(plain.cookies[0]).not.toMatch(/Max-Age|Expires/i);
    const kept = await t.client().post('/api/v1/auth/login', { email: u.email, password: u.password, remember_me: true });
    expect(kept.cookies[0]).toMatch(/; Max-Age=2592000(;|$)/);
    const status = await t.client().get('/api/v1/auth/status', { headers: { cookie: kept.cookies[0]!.split(';')[0]! } });
    expect(status.body).toMatchObject({ authenticated: true, remember_me: true });
  });
});
