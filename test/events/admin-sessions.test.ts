import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { noLoginLimits, staffClient } from './helpers.js';

describe.each(backends)('admin session list (%s)', (backend) => {
  let t: TestServer;
  let admin: Client;
  let adminId: string;
  let ann: { id: string; email: string; password: string };
  let bob: { id: string; email: string; password: string };
  let annOnThree: Client;

  beforeAll(async () => {
    t = await startTestServer({ backend, config: noLoginLimits });
    ({ client: admin, id: adminId } = await staffClient(t));
    ann = await seedUser(t, { email: 'ann@example.com' });
    bob = await seedUser(t, { email: 'bob@example.com' });
    await loginCookie(t.client('127.0.0.2'), ann.email, ann.password);
    annOnThree = t.client('127.0.0.3');
    await loginCookie(annOnThree, ann.email, ann.password);
    await loginCookie(t.client('127.0.0.3'), bob.email, bob.password);
  });
  afterAll(() => t.close());

  it('lists live sessions of every user, newest first, marking the caller\'s own', async () => {
    const r = await admin.get('/api/v1/admin/sessions');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ page: 1, page_size: 50, total: 4, pages: 1 });
    expect(r.body.items.map((s: { user_id: string }) => s.user_id)).toEqual([bob.id, ann.id, ann.id, adminId]);
    const own = r.body.items.filter((s: { current: boolean }) => s.current);
    expect(own).toHaveLength(1);
    expect(own[0].user_id).toBe(adminId);
    expect(Object.keys(r.body.items[0]).sort()).toEqual(
      ['current', 'id', 'last_active', 'last_ip', 'last_location', 'last_user_agent', 'login_ip', 'login_location', 'login_time', 'login_user_agent', 'remember_me', 'user_id'].sort(),
    );
    expect(r.body.items[0]).toMatchObject({ login_ip: '127.0.0.3', remember_me: false, current: false });
    expect(typeof r.body.items[0].login_location).toBe('string');
    expect(r.body.items[0].login_time).toMatch(/Z$/);
  });

  it('filters by user and by IP, and pages', async () => {
    const annOnly = await admin.get(`/api/v1/admin/sessions?user_id=${ann.id}`);
    expect(annOnly.body.total).toBe(2);
    expect(annOnly.body.items.every((s: { user_id: string }) => s.user_id === ann.id)).toBe(true);
    const three = await admin.get('/api/v1/admin/sessions?ip=127.0.0.3');
    expect(three.body.items.map((s: { user_id: string }) => s.user_id).sort()).toEqual([ann.id, bob.id].sort());
    const second = await admin.get('/api/v1/admin/sessions?page_size=1&page=2');
    expect(second.body).toMatchObject({ page: 2, page_size: 1, total: 4, pages: 4 });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].user_id).toBe(ann.id);
    expect((await admin.get('/api/v1/admin/sessions?page_size=201')).status).toBe(400);
  });

  it('no longer lists a session once it has ended', async () => {
    expect((await annOnThree.post('/api/v1/auth/logout')).status).toBe(204);
    const r = await admin.get(`/api/v1/admin/sessions?user_id=${ann.id}`);
    expect(r.body.total).toBe(1);
    expect(r.body.items[0].login_ip).toBe('127.0.0.2');
  });
});
