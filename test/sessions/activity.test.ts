import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivityTracker } from '../../src/sessions/activity.js';
import { snapshotOf } from '../../src/sessions/liveness.js';
import { createSessionStore } from '../../src/sessions/store.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';

/** The write-behind queue on its own: nothing is written per request, everything at stop. */
describe.each(backends)('session activity write-behind (%s)', (backend) => {
  let t: TestServer;
  let sid: string;
  beforeAll(async () => {
    t = await startTestServer({ backend });
    const u = await seedUser(t, { email: 'act@example.com' });
    const c = t.client('127.0.0.9');
    await loginCookie(c, u.email, u.password);
    sid = (await c.get('/api/v1/auth/status')).body.session_id;
  });
  afterAll(() => t.close());

  it('queues at most one write per session per minute and writes the queue when stopped', async () => {
    const c = t.server.container;
    const store = createSessionStore(c.db.kysely);
    const clock = new FakeClock(c.clock.now());
    let located = 0;
    // Not started: no timer, so only stop() can write.
    const tracker = createActivityTracker({
      store,
      clock,
      logger: c.logger,
      idleTtl: c.sessions.idleTtl,
      locate: async () => (located++, 'Testville, XX'),
    });
    const snap = snapshotOf((await store.findById(sid))!);
    tracker.note(snap, '127.0.0.10', 'within-a-minute');
    expect(tracker.grantedIdle(sid)).toBeUndefined();
    clock.advance(61_000);
    for (let i = 0; i < 100; i++) tracker.note(snap, '198.51.100.7', `agent-${i}`);
    const granted = tracker.grantedIdle(sid)!;
    expect(granted).toBe(clock.now() + 3600_000);
    expect((await store.findById(sid))!.last_ip).toBe('127.0.0.9');

    await tracker.stop();
    const row = (await store.findById(sid))!;
    expect(row).toMatchObject({
      last_ip: '198.51.100.7',
      last_user_agent: 'agent-0',
      last_location: 'Testville, XX',
      last_active: clock.now(),
      idle_expires_at: granted,
    });
    expect(located).toBe(1);
  });
});
