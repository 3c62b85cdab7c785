import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { SseStream, type SseFrame } from '../harness/sse.js';
import { failLogin, noLoginLimits, staffClient } from './helpers.js';

const STREAM = '/api/v1/admin/events/stream';
const fromIp = (ip: string) => (f: SseFrame) => f.event === 'login_failed' && f.json?.ip === ip;

describe.each(backends)('admin event stream (%s)', (backend) => {
  let t: TestServer;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestServer({ backend, config: { ...noLoginLimits, events: { stream_heartbeat: 1 } } });
    admin = (await staffClient(t)).client;
  });
  afterAll(() => t.close());

  it('sends live events as id/event/data frames and keeps the stream alive with comments', async () => {
    const s = await SseStream.open(admin, STREAM);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-store');
    await failLogin(t, 'someone@example.com', '127.0.0.4', 'stream-agent/1');
    const [f] = await s.waitFor(fromIp('127.0.0.4'));
    expect(f!.id).toBe(String(f!.json.id));
    expect(f!.json).toMatchObject({ type: 'login_failed', level: 'notice', ip: '127.0.0.4', user_agent: 'stream-agent/1' });
    expect(Object.keys(f!.json).sort()).toEqual(['actor_id', 'data', 'id', 'ip', 'level', 'target_id', 'time', 'type', 'user_agent']);
    // Heartbeats every second in this suite: wait for two of them.
    await s.waitForComments(3);
    expect(s.comments).toContain('keep-alive');
    s.close();
  });

  it('replays what a reconnecting client missed (Last-Event-ID), then goes on live, without gaps or repeats', async () => {
    const first = await SseStream.open(admin, STREAM);
    await failLogin(t, 'a@example.com', '127.0.0.5');
    await first.waitFor(fromIp('127.0.0.5'));
    const resumeFrom = first.lastEventId;
    first.close();
    await first.ended;

    await failLogin(t, 'b@example.com', '127.0.0.6');
    await failLogin(t, 'c@example.com', '127.0.0.7');
    await t.server.container.events.flush();

    const again = await SseStream.open(admin, STREAM, { lastEventId: resumeFrom });
    expect(again.status).toBe(200);
    await again.waitFor(fromIp('127.0.0.7'));
    await failLogin(t, 'd@example.com', '127.0.0.8');
    await again.waitFor(fromIp('127.0.0.8'));
    const ips = again.frames.filter((f) => f.event === 'login_failed').map((f) => f.json.ip);
    expect(ips).toEqual(['127.0.0.6', '127.0.0.7', '127.0.0.8']);
    const ids = again.frames.map((f) => Number(f.id));
    expect(ids.every((id, i) => id > Number(resumeFrom) && (i === 0 || id > ids[i - 1]!))).toBe(true);
    // Everything stored after the resume point arrived: the stream and the list agree.
    const listed = (await admin.get('/api/v1/admin/events?page_size=200')).body.items
      .map((e: { id: number }) => e.id)
      .filter((id: number) => id > Number(resumeFrom) && id <= ids[ids.length - 1]!)
      .reverse();
    expect(ids).toEqual(listed);
    again.close();
  });

  it('accepts ?last_event_id= for clients that cannot set headers, and refuses a malformed one', async () => {
    const all = (await admin.get('/api/v1/admin/events?type=login_failed&page_size=200')).body.items;
    const oldest = all[all.length - 1];
    const s = await SseStream.open(admin, `${STREAM}?last_event_id=${oldest.id - 1}`);
    const frames = await s.waitFor((f) => f.event === 'login_failed', all.length);
    expect(frames.map((f) => f.json.id)).toEqual(all.map((e: { id: number }) => e.id).reverse());
    s.close();
    const bad = await SseStream.open(admin, STREAM, { lastEventId: 'abc' });
    await bad.ended;
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    const badQuery = await SseStream.open(admin, `${STREAM}?last_event_id=-1`);
    await badQuery.ended;
    expect(badQuery.status).toBe(400);
  });

  it('ends the stream when the admin session is revoked', async () => {
    const other = (await staffClient(t, 'leaver@example.com')).client;
    const s = await SseStream.open(other, STREAM);
    expect(s.status).toBe(200);
    expect((await other.post('/api/v1/auth/logout')).status).toBe(204);
    await s.ended;
    await failLogin(t, 'after@example.com', '127.0.0.9');
    await t.server.container.events.flush();
    expect(s.frames.some(fromIp('127.0.0.9'))).toBe(false);
  });
});

describe('event stream credentials', () => {
  it('ends the stream once the admin is no longer staff (re-checked with each heartbeat)', async () => {
    const t = await startTestServer({ config: { events: { stream_heartbeat: 1 } } });
    try {
      const { client, id } = await staffClient(t);
      const s = await SseStream.open(client, STREAM);
      expect(s.status).toBe(200);
      // Fixture-level change: the admin users API belongs to another capability.
      await t.server.container.users.update(id, { role: 'user', updated_at: Date.now() });
      await s.ended;
      const again = await SseStream.open(client, STREAM);
      await again.ended;
      expect(again.status).toBe(403);
    } finally {
      await t.close();
    }
  });
});

describe('event stream and shutdown', () => {
  it('ends open streams when the server stops instead of waiting for the grace period', async () => {
    // An hour of grace: if open streams held shutdown up, this test would time out.
    const t = await startTestServer({ config: { shutdown_grace: 3600 } });
    const admin = (await staffClient(t)).client;
    const streams = await Promise.all([SseStream.open(admin, STREAM), SseStream.open(admin, STREAM)]);
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    await t.close();
    await Promise.all(streams.map((s) => s.ended));
  });
});
