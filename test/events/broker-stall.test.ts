import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_BASE } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { startStallingProxy } from '../harness/stalling-proxy.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { enrollTotp, passwordStep, totpCode } from '../mfa/helpers.js';
import { failLogin, noLoginLimits, staffClient } from './helpers.js';

// Redis keeps its connections open but stops answering. Nothing may wait for ever on it: a
// command fails after a second, what has a fallback (the database, this instance's counters)
// goes on, and what cannot is refused with a 503, never a 500.
describe('a Redis that stops answering', { timeout: 90_000 }, () => {
  let proxy: Awaited<ReturnType<typeof startStallingProxy>>;
  let t: TestServer;
  beforeAll(async () => {
    const redis = new URL(REDIS_BASE);
    proxy = await startStallingProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    t = await startTestServer({ config: { redis_url: `redis://127.0.0.1:${proxy.port}`, ...noLoginLimits } });
  });
  let closed = false;
  afterAll(async () => {
    proxy?.resume();
    if (!closed) await t?.close();
    await proxy?.close();
  });

  it('logins, token refresh, bearer checks and the admin event list go on; the events are stored', async () => {
    const { client: staff } = await staffClient(t);
    const user = await seedUser(t, { email: 'stall-user@example.com' });
    proxy.stall();

    // The brute-force counters fall back to this instance: a failure is still a plain 401.
    await failLogin(t, 'nobody-during-stall@example.com', '127.0.0.2');
    const tokens = await t.client().post('/api/v1/auth/token', { email: user.email, password: user.password });
    expect(tokens.status).toBe(200);
    // A committed rotation is answered even though the cache could not drop the session's snapshot.
    const rotated = await t.client().post('/api/v1/auth/refresh', { refresh_token: tokens.body.refresh_token });
    expect(rotated.status).toBe(200);

    // Past the liveness map's freshness: sessions are looked up again, in the database.
    await sleep(1_100);
    const me = await t.client().get('/api/v1/me', { headers: { authorization: `Bearer ${rotated.body.access_token}` } });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);
    const r = await staff.get('/api/v1/admin/events?type=login_failed');
    expect(r.status).toBe(200);
    expect(r.body.items.map((e: { data: { email?: string } }) => e.data.email)).toContain('nobody-during-stall@example.com');

    // The batch's announcement to other instances failed (and was logged) instead of waiting.
    const announceFailed = () => t.logs.some((l) => l.msg === 'failed to announce events to other instances');
    for (let i = 0; i < 50 && !announceFailed(); i++) await sleep(100);
    expect(announceFailed()).toBe(true);
  });

  it('what needs the cache is refused with 503 and Retry-After; readiness names the cache', async () => {
    const user = await seedUser(t, { email: 'stall-logout@example.com' });
    const mfaUser = await seedUser(t, { email: 'stall-mfa@example.com' });
    proxy.resume();
    const tokens = await t.client().post('/api/v1/auth/token', { email: user.email, password: user.password });
    expect(tokens.status).toBe(200);
    const enrolling = t.client();
    await loginCookie(enrolling, mfaUser.email, mfaUser.password);
    const totp = await enrollTotp(enrolling, t);
    proxy.stall();
    // Second-factor guesses cannot be counted: no code is checked, right or wrong.
    for (const code of ['000000', totpCode(totp.secret, t.clock.now())]) {
      const step = await passwordStep(t.client(), mfaUser.email, mfaUser.password);
      const verify = await t.client().post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code });
      expect([verify.status, verify.body.code]).toEqual([503, 'service_unavailable']);
    }
    // A logout must reach every instance through the cache: it cannot be confirmed without it.
    const out = await t.client().post('/api/v1/auth/logout', {}, { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
    expect(out.status).toBe(503);
    expect(out.headers['retry-after']).toBe('1');
    expect(out.body).toMatchObject({ code: 'service_unavailable', detail: 'The shared cache did not answer' });
    // The per-address mail limit cannot be counted: refused alike for a known and an unknown address.
    const known = await t.client().post('/api/v1/auth/password/forgot', { email: user.email });
    const unknown = await t.client().post('/api/v1/auth/password/forgot', { email: 'nobody-at-all@example.com' });
    for (const r of [known, unknown]) expect([r.status, r.body.code]).toEqual([503, 'service_unavailable']);
    const ready = await t.client().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: 'ok', cache: 'fail' });
    // The timeouts reached the error handler as the typed refusal, never as ioredis's own error.
    expect(t.logs.some((l) => (l.err as { message?: string } | undefined)?.message === 'Command timed out')).toBe(false);
  });

  it('shuts down while Redis is still silent, without waiting for its answers', async () => {
    proxy.stall();
    await failLogin(t, 'last-before-shutdown@example.com', '127.0.0.4');
    const hung = sleep(15_000).then(() => 'hung');
    // Generous against the expected 1–3 s (a few one-second timeouts): it only tells a hang apart.
    expect(await Promise.race([t.close().then(() => 'closed'), hung])).toBe('closed');
    closed = true;
    // The queued batch reached the database before it closed.
    expect(t.logs.some((l) => l.msg === 'failed to persist events')).toBe(false);
  });
});
