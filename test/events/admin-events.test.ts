import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { SseStream } from '../harness/sse.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { failLogin, noLoginLimits, staffClient } from './helpers.js';

describe.each(backends)('admin events API (%s)', (backend) => {
  let t: TestServer;
  let admin: Client;
  let user: Client;
  let ann: { id: string; email: string };
  let before: string;

  beforeAll(async () => {
    t = await startTestServer({ backend, config: noLoginLimits });
    ann = await seedUser(t, { email: 'ann@example.com' });
    const plain = await seedUser(t, { email: 'user@example.com' });
    user = t.client();
    await loginCookie(user, plain.email, plain.password);
    admin = (await staffClient(t)).client;
    before = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 3; i++) await failLogin(t, 'ann@example.com', '127.0.0.2', 'agent-two/1');
    for (let i = 0; i < 2; i++) await failLogin(t, 'nobody@example.com', '127.0.0.3', 'agent-three/1');
    await t.server.container.events.flush();
  });
  afterAll(() => t.close());

  const paths = ['/api/v1/admin/events', '/api/v1/admin/logs?source=app&lines=1', '/api/v1/admin/sessions'];

  it('answers 401 to anonymous callers and 403 to non-admins, on every admin endpoint', async () => {
    for (const p of paths) {
      const anon = await t.client().get(p);
      expect(anon.status, p).toBe(401);
      expect(anon.body.code).toBe('unauthorized');
      const plain = await user.get(p);
      expect(plain.status, p).toBe(403);
      expect(plain.body.code).toBe('forbidden');
    }
    const anonStream = await SseStream.open(t.client(), '/api/v1/admin/events/stream');
    await anonStream.ended;
    expect(anonStream.status).toBe(401);
    expect(anonStream.headers['content-type']).toMatch(/problem\+json/);
    const userStream = await SseStream.open(user, '/api/v1/admin/events/stream');
    await userStream.ended;
    expect(userStream.status).toBe(403);
    expect(userStream.body.code).toBe('forbidden');
  });

  it('lists events newest first with every field', async () => {
    const r = await admin.get('/api/v1/admin/events?type=login_failed');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ page: 1, page_size: 50, total: 5, pages: 1 });
    const ids = r.body.items.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const oldest = r.body.items[4];
    expect(Object.keys(oldest).sort()).toEqual(['actor_id', 'data', 'id', 'ip', 'level', 'target_id', 'time', 'type', 'user_agent']);
    expect(oldest).toMatchObject({
      type: 'login_failed',
      level: 'notice',
      actor_id: ann.id,
      target_id: ann.id,
      ip: '127.0.0.2',
      user_agent: 'agent-two/1',
      data: { reason: 'wrong_password' },
    });
    expect(oldest.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(r.body.items[0]).toMatchObject({ ip: '127.0.0.3', actor_id: null, target_id: null, data: { reason: 'unknown_email' } });
  });

  it('filters by ip, user, level, type list and since', async () => {
    const byIp = await admin.get('/api/v1/admin/events?ip=127.0.0.3');
    expect(byIp.body.total).toBe(2);
    expect(byIp.body.items.every((e: { ip: string }) => e.ip === '127.0.0.3')).toBe(true);

    const byUser = await admin.get(`/api/v1/admin/events?user_id=${ann.id}`);
    expect(byUser.body.total).toBe(3);
    expect(byUser.body.items.every((e: { target_id: string }) => e.target_id === ann.id)).toBe(true);

    const notice = await admin.get('/api/v1/admin/events?level=notice&type=login_failed,login_succeeded');
    expect(notice.body.total).toBe(5);
    const both = await admin.get('/api/v1/admin/events?type=login_failed,login_succeeded');
    expect(both.body.total).toBeGreaterThanOrEqual(7); // 5 failures + user and staff logins
    expect((await admin.get('/api/v1/admin/events?level=critical')).body.total).toBe(0);

    const since = await admin.get(`/api/v1/admin/events?type=login_failed&since=${encodeURIComponent(before)}`);
    expect(since.body.total).toBe(5);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await admin.get(`/api/v1/admin/events?since=${encodeURIComponent(future)}`)).body.total).toBe(0);
  });

  it('pages without overlap or loss', async () => {
    const all = (await admin.get('/api/v1/admin/events?type=login_failed')).body.items.map((e: { id: number }) => e.id);
    const seen: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await admin.get(`/api/v1/admin/events?type=login_failed&page_size=2&page=${page}`);
      expect(r.body).toMatchObject({ page, page_size: 2, total: 5, pages: 3 });
      seen.push(...r.body.items.map((e: { id: number }) => e.id));
    }
    expect(seen).toEqual(all);
    const past = await admin.get('/api/v1/admin/events?type=login_failed&page_size=2&page=4');
    expect(past.body.items).toEqual([]);
  });

  it('shows an event in the list as soon as the action that caused it has answered', async () => {
    // Events are stored a few milliseconds after they happen, in batches; the list waits for this
    // instance's queue, so no test-side flush here.
    await failLogin(t, 'ann@example.com', '127.0.0.9', 'agent-nine/1');
    const r = await admin.get('/api/v1/admin/events?type=login_failed&ip=127.0.0.9');
    expect(r.body.items.map((e: { user_agent: string }) => e.user_agent)).toEqual(['agent-nine/1']);
  });

  it('stores every event of a burst, also one larger than a statement may bind', async () => {
    const { events } = t.server.container;
    // 5,000 rows of eight columns: 40,000 parameters in one INSERT would exceed SQLite's 32,766.
    for (let i = 0; i < 5000; i++) events.emit('login_failed', { ip: '127.0.0.77', data: { n: i } });
    await events.flush();
    const r = await admin.get('/api/v1/admin/events?type=login_failed&ip=127.0.0.77&page_size=1');
    expect(r.body.total).toBe(5000);
    expect(r.body.items[0].data).toEqual({ n: 4999 });
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => failLogin(t, `burst${i}@example.com`, '127.0.0.78')));
    expect(burst).toHaveLength(8);
    const listed = await admin.get('/api/v1/admin/events?type=login_failed&ip=127.0.0.78');
    expect(listed.body.total).toBe(8);
  });

  it('documents the admin event, stream, log and session endpoints in the OpenAPI document', async () => {
    const doc = (await t.client().get('/api/openapi.json')).body;
    for (const p of ['/api/v1/admin/events', '/api/v1/admin/events/stream', '/api/v1/admin/logs', '/api/v1/admin/sessions']) {
      expect(doc.paths[p]?.get, p).toBeDefined();
    }
  });

  it('refuses bad filters and page sizes with 400 validation_failed', async () => {
    for (const q of ['page_size=201', 'page_size=0', 'page=0', 'type=no_such_event', 'level=loud', 'since=yesterday', 'since=2024-13-01T00:00:00Z', 'colour=red']) {
      const r = await admin.get(`/api/v1/admin/events?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe('validation_failed');
    }
    expect((await admin.get('/api/v1/admin/events?page_size=200')).status).toBe(200);
  });
});
