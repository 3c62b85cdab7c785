import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeaseStore } from '../../src/jobs/lease.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { refresh, tokenLogin } from '../tokens/helpers.js';

const DAY = 86400_000;

describe.each(backends)('cleanup job (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  beforeAll(async () => {
    clock = new FakeClock();
    // The timer is off (interval 0): the test runs the job by hand after moving the clock.
    t = await startTestServer({ backend, clock, config: { sessions: { cleanup_interval: 0, ended_retention: 7 * 86400 } } });
  });
  afterAll(() => t.close());

  const count = async (table: 'sessions' | 'refresh_tokens') =>
    (await t.server.container.db.kysely.selectFrom(table).select('id').execute()).length;

  it('deletes expired refresh tokens, and sessions once they ended longer ago than the retention', async () => {
    const c = t.server.container;
    const u = await seedUser(t, { email: 'clean@example.com' });
    const t0 = clock.now();
    // A: remember-me cookie session (idle 14 d), stays live throughout.
    const live = t.client();
    expect((await live.post('/api/v1/auth/login', { email: u.email, password: u.password, remember_me: true })).status).toBe(200);
    // B: revoked at t0 (logout).
    const revoked = t.client();
    await loginCookie(revoked, u.email, u.password);
    await revoked.post('/api/v1/auth/logout');
    // C: token session (idle 1 h) with a rotated refresh token: ends at about t0 + 1 h.
    const api = await tokenLogin(t.client(), u.email, u.password);
    expect((await refresh(t.client(), api.refresh_token)).status).toBe(200);
    expect(await count('sessions')).toBe(3);
    expect(await count('refresh_tokens')).toBe(2);

    // Nothing has ended long enough ago: the job removes nothing.
    expect(await c.scheduler.runNow('session-cleanup')).toBe(true);
    expect([await count('sessions'), await count('refresh_tokens')]).toEqual([3, 2]);

    // 2 h later both refresh tokens (1 h, the consumed one included) are past expiry and go;
    // the ended sessions stay for audit.
    clock.set(t0 + 2 * 3600_000);
    await c.scheduler.runNow('session-cleanup');
    expect([await count('sessions'), await count('refresh_tokens')]).toEqual([3, 0]);

    // Retention (7 d) after the logout but not yet after C's idle end: only B goes.
    clock.set(t0 + 7 * DAY + 30 * 60_000);
    await c.scheduler.runNow('session-cleanup');
    expect(await count('sessions')).toBe(2);
    clock.set(t0 + 7 * DAY + 2 * 3600_000);
    await c.scheduler.runNow('session-cleanup');
    expect(await count('sessions')).toBe(1);
    expect((await live.get('/api/v1/me')).status).toBe(200);
  });

  it('one lease holder at a time: a second instance cannot take a held lease until it expires', async () => {
    const leases = createLeaseStore(t.server.container.db.kysely);
    const now = clock.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => leases.tryAcquire('job:race', `instance-${i}`, now, 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `instance-${results.indexOf(true)}`;
    expect(await leases.tryAcquire('job:race', winner, now + 1000, 60_000)).toBe(true);
    expect(await leases.tryAcquire('job:race', 'late-comer', now + 30_000, 60_000)).toBe(false);
    expect(await leases.tryAcquire('job:race', 'late-comer', now + 61_001, 60_000)).toBe(true);
  });
});
