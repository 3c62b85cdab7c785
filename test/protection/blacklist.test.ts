import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import type { Client } from '../harness/client.js';
import { adminClient, badLogin, creds, eventsOf } from './helpers.js';

describe.each(backends)('manual blacklist and network rules (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let admin: Client;
  let ann: { id: string; email: string; password: string };
  beforeAll(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestServer({ backend, clock });
    ann = await seedUser(t, { email: 'ann@example.com' });
    admin = await adminClient(t);
  });
  afterAll(() => t.close());

  it('blocks a CIDR on every route, /api/v1/auth/token and /.well-known/jwks.json included, but not /health', async () => {
    const r = await admin.post('/api/v1/admin/blacklist', { cidr: '127.0.0.4/30', reason: 'abuse desk ticket 7' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ cidr: '127.0.0.4/30', reason: 'abuse desk ticket 7', source: 'manual', expires_at: null });
    const inside = t.client('127.0.0.5');
    const token = await inside.post('/api/v1/auth/token', creds(ann));
    expect(token.status).toBe(403);
    expect(token.body).toMatchObject({ code: 'ip_blocked', blocked_until: null });
    expect((await inside.get('/.well-known/jwks.json')).status).toBe(403);
    expect((await inside.post('/api/v1/auth/login', creds(ann))).status).toBe(403);
    expect((await inside.get('/health/live')).status).toBe(200);
    expect((await t.client('127.0.0.3').get('/.well-known/jwks.json')).status).toBe(200);
    const events = await eventsOf(t, admin, 'ip_blacklisted');
    expect(events.some((e) => (e.data as { cidr?: string; source: string }).cidr === '127.0.0.4/30' && (e.data as { source: string }).source === 'manual')).toBe(true);
  });

  it('validates input: bad addresses and ranges are 400, IPv6 is stored canonical, duplicates 409', async () => {
    for (const cidr of ['10.1.2.3/8', '300.1.1.1', 'fe80::1%eth0', 'not an ip', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/8/8']) {
      const r = await admin.post('/api/v1/admin/blacklist', { cidr });
      expect(r.status, cidr).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors[0].field).toBe('body.cidr');
    }
    const v6 = await admin.post('/api/v1/admin/blacklist', { cidr: '2001:DB8:0:0::/32' });
    expect(v6.status).toBe(201);
    expect(v6.body.cidr).toBe('2001:db8::/32');
    expect((await admin.post('/api/v1/admin/blacklist', { cidr: '2001:db8::/32' })).status).toBe(409);
    const past = await admin.post('/api/v1/admin/blacklist', { cidr: '192.0.2.1', expires_at: new Date(clock.now() - 1000).toISOString() });
    expect(past.status).toBe(400);
    expect((await admin.post('/api/v1/admin/blacklist', { cidr: '192.0.2.1', expires_at: 'tomorrow' })).status).toBe(400);
  });

  it('refuses to blacklist the admin\'s own address (409 self_lockout)', async () => {
    for (const cidr of ['127.0.0.1', '127.0.0.0/8']) {
      const r = await admin.post('/api/v1/admin/blacklist', { cidr });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('self_lockout');
    }
  });

  it('lets an entry with an expiry run out, and lists only entries in force', async () => {
    const until = new Date(clock.now() + 600_000).toISOString();
    const r = await admin.post('/api/v1/admin/blacklist', { cidr: '127.0.0.3', expires_at: until });
    expect(r.status).toBe(201);
    expect(Date.parse(r.body.expires_at as string)).toBe(Date.parse(until));
    const blocked = await t.client('127.0.0.3').get('/api/v1/auth/status');
    expect(blocked.status).toBe(403);
    expect(Date.parse(blocked.body.blocked_until as string)).toBe(Date.parse(until));
    clock.advance(600_000 + 1);
    expect((await t.client('127.0.0.3').get('/api/v1/auth/status')).status).toBe(200);
    const list = await admin.get('/api/v1/admin/blacklist?page_size=200');
    expect(list.body).toMatchObject({ page: 1, page_size: 200, pages: 1 });
    expect((list.body.items as Array<{ cidr: string }>).map((i) => i.cidr).sort()).toEqual(['127.0.0.4/30', '2001:db8::/32']);
  });

  it('removes entries (204, then 404) and unblocks at once', async () => {
    const list = await admin.get('/api/v1/admin/blacklist');
    const entry = (list.body.items as Array<{ id: string; cidr: string }>).find((i) => i.cidr === '127.0.0.4/30')!;
    expect((await admin.delete(`/api/v1/admin/blacklist/${entry.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/v1/admin/blacklist/${entry.id}`)).status).toBe(404);
    expect((await t.client('127.0.0.5').get('/.well-known/jwks.json')).status).toBe(200);
  });

  it('keeps the admin API to admins', async () => {
    expect((await t.client('127.0.0.1').get('/api/v1/admin/blacklist')).status).toBe(401);
    const user = t.client('127.0.0.1');
    await loginCookie(user, ann.email, ann.password);
    for (const r of [
      await user.get('/api/v1/admin/blacklist'),
      await user.post('/api/v1/admin/blacklist', { cidr: '192.0.2.9' }),
      await user.get('/api/v1/admin/network-rules'),
      await user.put('/api/v1/admin/network-rules', { rules: [] }),
      await user.post(`/api/v1/admin/users/${ann.id}/unlock`),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
  });

  it('network rules: deny the admin scope from 127.0.0.2 only', async () => {
    const other = await adminClient(t, '127.0.0.2', 'second-admin@example.com');
    const third = await adminClient(t, '127.0.0.3', 'third-admin@example.com');
    const put = await admin.put('/api/v1/admin/network-rules', { rules: [{ action: 'deny', cidr: '127.0.0.2', scope: 'admin' }] });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ rules: [{ action: 'deny', cidr: '127.0.0.2', scope: 'admin' }] });
    const denied = await other.get('/api/v1/admin/blacklist');
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('network_denied');
    expect((await other.get('/api/v1/admin/no-such-thing')).body.code).toBe('network_denied');
    expect((await third.get('/api/v1/admin/blacklist')).status).toBe(200);
    // Other scopes stay open to 127.0.0.2: its session still works and it can log in.
    expect((await other.get('/api/v1/me')).status).toBe(200);
    expect((await badLogin(t.client('127.0.0.2'), ann.email)).status).toBe(401);
    expect((await admin.get('/api/v1/admin/network-rules')).body).toEqual(put.body);
    expect((await eventsOf(t, admin, 'network_denied', '127.0.0.2')).length).toBeGreaterThanOrEqual(1);
  });

  it('network rules: first match wins, default allow, login and all scopes', async () => {
    const rules = [
      { action: 'allow', cidr: '127.0.0.1', scope: 'all' },
      { action: 'allow', cidr: '127.0.0.3', scope: 'login' },
      { action: 'deny', cidr: '127.0.0.0/8', scope: 'login' },
      { action: 'deny', cidr: '127.0.0.6', scope: 'all' },
    ];
    expect((await admin.put('/api/v1/admin/network-rules', { rules })).status).toBe(200);
    expect((await t.client('127.0.0.3').post('/api/v1/auth/login', creds(ann))).status).toBe(200);
    const login = await t.client('127.0.0.2').post('/api/v1/auth/login', creds(ann));
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('network_denied');
    expect((await t.client('127.0.0.2').get('/.well-known/jwks.json')).status).toBe(200);
    expect((await t.client('127.0.0.6').get('/.well-known/jwks.json')).body.code).toBe('network_denied');
    expect((await t.client('127.0.0.6').get('/health/live')).status).toBe(200);
    expect((await admin.put('/api/v1/admin/network-rules', { rules: [] })).status).toBe(200);
    expect((await t.client('127.0.0.2').post('/api/v1/auth/login', creds(ann))).status).toBe(200);
  });

  it('refuses rules that would deny the admin\'s own access, and bad CIDRs', async () => {
    const self = await admin.put('/api/v1/admin/network-rules', { rules: [{ action: 'deny', cidr: '0.0.0.0/0', scope: 'admin' }] });
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('self_lockout');
    const allowFirst = await admin.put('/api/v1/admin/network-rules', {
      rules: [
        { action: 'allow', cidr: '127.0.0.1', scope: 'admin' },
        { action: 'deny', cidr: '0.0.0.0/0', scope: 'admin' },
        { action: 'deny', cidr: '::/0', scope: 'admin' },
      ],
    });
    expect(allowFirst.status).toBe(200);
    const bad = await admin.put('/api/v1/admin/network-rules', { rules: [{ action: 'deny', cidr: '10.0.0.1/8', scope: 'all' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.rules.0.cidr');
    expect((await admin.put('/api/v1/admin/network-rules', { rules: [{ action: 'maybe', cidr: '10.0.0.0/8', scope: 'all' }] })).status).toBe(400);
    expect((await admin.put('/api/v1/admin/network-rules', { rules: [] })).status).toBe(200);
  });
});
