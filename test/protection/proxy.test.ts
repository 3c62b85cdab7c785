import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import type { Client } from '../harness/client.js';
import { adminClient, badLogin } from './helpers.js';

const xff = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

describe('X-Forwarded-For without a trusted proxy', () => {
  let t: TestServer;
  let admin: Client;
  beforeAll(async () => {
    t = await startTestServer();
    await seedUser(t, { email: 'ann@example.com' });
    admin = await adminClient(t);
  });
  afterAll(() => t.close());

  it('cannot dodge the per-account limit by changing a spoofed header', async () => {
    const c = t.client('127.0.0.2');
    for (let i = 0; i < 5; i++) {
      const r = await c.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' }, xff(`198.51.100.${i}`));
      expect(r.status).toBe(401);
    }
    const r = await c.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' }, xff('198.51.100.77'));
    expect(r.status).toBe(429);
  });

  it('cannot dodge the blacklist, nor be blocked by another address named in it', async () => {
    expect((await admin.post('/api/v1/admin/blacklist', { cidr: '127.0.0.3' })).status).toBe(201);
    expect((await t.client('127.0.0.3').get('/api/v1/auth/status', xff('203.0.113.5'))).status).toBe(403);
    // A client naming a blacklisted address in the header is judged by its own address.
    expect((await t.client('127.0.0.4').get('/api/v1/auth/status', xff('127.0.0.3'))).status).toBe(200);
  });
});

describe('X-Forwarded-For through a trusted proxy (trusted_proxies 127.0.0.1)', () => {
  let t: TestServer;
  let admin: Client;
  beforeAll(async () => {
    t = await startTestServer({ config: { trusted_proxies: ['127.0.0.1'] } });
    await seedUser(t, { email: 'ann@example.com' });
    admin = await adminClient(t, '127.0.0.5');
  });
  afterAll(() => t.close());

  it('judges the forwarded client address, and only when the proxy forwards it', async () => {
    expect((await admin.post('/api/v1/admin/blacklist', { cidr: '203.0.113.0/24' })).status).toBe(201);
    const proxy = t.client('127.0.0.1');
    const blocked = await proxy.get('/api/v1/auth/status', xff('203.0.113.9'));
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('ip_blocked');
    expect((await proxy.get('/api/v1/auth/status', xff('198.51.100.9'))).status).toBe(200);
    expect((await proxy.get('/api/v1/auth/status')).status).toBe(200);
    // 127.0.0.2 is no trusted proxy: its header is ignored.
    expect((await t.client('127.0.0.2').get('/api/v1/auth/status', xff('203.0.113.9'))).status).toBe(200);
  });

  it('keeps per-client limits apart behind the proxy', async () => {
    const proxy = t.client('127.0.0.1');
    for (let i = 0; i < 5; i++) {
      expect((await proxy.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' }, xff('198.51.100.1'))).status).toBe(401);
    }
    expect((await proxy.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' }, xff('198.51.100.1'))).status).toBe(429);
    expect((await badLogin(proxy, 'ann@example.com')).status).toBe(401);
    expect((await proxy.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' }, xff('198.51.100.2'))).status).toBe(401);
  });
});
