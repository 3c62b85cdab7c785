import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, redisAvailable } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { SseStream, type SseFrame } from '../harness/sse.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { failLogin, noLoginLimits } from './helpers.js';

const STREAM = '/api/v1/admin/events/stream';
const fromIp = (ip: string) => (f: SseFrame) => f.event === 'login_failed' && f.json?.ip === ip;

// Two instances on one Postgres schema and one Redis prefix. The database poll is off, so an
// event can only reach the other instance's stream through Redis pub/sub (or the replay).
const config = { ...noLoginLimits, events: { stream_poll: 0 } };

describe.runIf(postgresAvailable && redisAvailable)('event stream across instances (Postgres + Redis)', () => {
  let a: TestServer;
  let b: TestServer;
  let adminOnB: Client;
  let adminOnA: Client;

  beforeAll(async () => {
    a = await startTestServer({ backend: 'postgres', redis: true, config });
    b = await startTestServer({ backend: 'postgres', redis: true, databaseUrl: a.databaseUrl!, redisPrefix: a.redisPrefix, config });
    const staff = await seedUser(a, { email: 'staff@example.com', role: 'staff' });
    adminOnB = b.client();
    await loginCookie(adminOnB, staff.email, staff.password);
    adminOnA = a.client();
    await loginCookie(adminOnA, staff.email, staff.password);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers an event raised on instance A to a stream on instance B, and the other way round', async () => {
    const onB = await SseStream.open(adminOnB, STREAM);
    const onA = await SseStream.open(adminOnA, STREAM);
    expect([onA.status, onB.status]).toEqual([200, 200]);

    await failLogin(a, 'someone@example.com', '127.0.0.21');
    const [fromA] = await onB.waitFor(fromIp('127.0.0.21'));
    expect(fromA!.json).toMatchObject({ type: 'login_failed', ip: '127.0.0.21', data: { reason: 'unknown_email' } });

    await failLogin(b, 'someone@example.com', '127.0.0.22');
    const [fromB] = await onA.waitFor(fromIp('127.0.0.22'));
    expect(Number(fromB!.id)).toBeGreaterThan(Number(fromA!.id));
    // Both streams saw both events, in id order.
    const [onBoth] = await onB.waitFor(fromIp('127.0.0.22'));
    expect(onBoth!.id).toBe(fromB!.id);
    onA.close();
    onB.close();
  });

  it('replays on B, after Last-Event-ID, what A recorded while the client was away', async () => {
    const first = await SseStream.open(adminOnB, STREAM);
    await failLogin(a, 'x@example.com', '127.0.0.23');
    await first.waitFor(fromIp('127.0.0.23'));
    const resumeFrom = first.lastEventId;
    first.close();
    await first.ended;

    await failLogin(a, 'y@example.com', '127.0.0.24');
    await failLogin(a, 'z@example.com', '127.0.0.25');
    await a.server.container.events.flush();

    const again = await SseStream.open(adminOnB, STREAM, { lastEventId: resumeFrom });
    await again.waitFor(fromIp('127.0.0.25'));
    await failLogin(a, 'w@example.com', '127.0.0.26');
    await again.waitFor(fromIp('127.0.0.26'));
    const failures = again.frames.filter((f) => f.event === 'login_failed').map((f) => f.json.ip);
    expect(failures).toEqual(['127.0.0.24', '127.0.0.25', '127.0.0.26']);
    const ids = again.frames.map((f) => Number(f.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(ids[0]).toBeGreaterThan(Number(resumeFrom));
    again.close();
  });
});
