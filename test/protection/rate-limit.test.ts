import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import type { Client } from '../harness/client.js';
import { adminClient, badLogin, creds, eventsOf } from './helpers.js';

describe('login rate limits (defaults: 5 failures per IP and account per 60 s)', () => {
  let t: TestServer;
  let ann: { email: string; password: string };
  let bob: { email: string; password: string };
  let admin: Client;
  beforeAll(async () => {
    t = await startTestServer();
    ann = await seedUser(t, { email: 'ann@example.com' });
    bob = await seedUser(t, { email: 'bob@example.com' });
    admin = await adminClient(t);
  });
  afterAll(() => t.close());

  it('answers the 6th attempt with 429, Retry-After and retry_after, without checking the password', async () => {
    const c = t.client('127.0.0.2');
    for (let i = 0; i < 5; i++) expect((await badLogin(c, ann.email)).status).toBe(401);
    const r = await c.post('/api/v1/auth/login', { email: ann.email, password: ann.password });
    expect(r.status).toBe(429);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('rate_limited');
    const retry = Number(r.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(r.body.retry_after).toBe(retry);
    expect(r.cookies).toEqual([]);
    // The same address differently spelled is the same client.
    expect((await badLogin(c, ' ANN@example.com ')).status).toBe(429);
    // The trip is recorded once, not once per refusal (an attacker cannot flood the event store).
    const events = await eventsOf(t, admin, 'rate_limited', '127.0.0.2');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({ flow: 'login', limit: 'account' });
  });

  it('limits per IP and account: another account from that IP, and that account from another IP, still work', async () => {
    expect((await badLogin(t.client('127.0.0.2'), bob.email)).status).toBe(401);
    expect((await t.client('127.0.0.3').post('/api/v1/auth/login', creds(ann))).status).toBe(200);
  });

  it('starts the count again after a successful login', async () => {
    const c = t.client('127.0.0.4');
    for (let i = 0; i < 4; i++) expect((await badLogin(c, bob.email)).status).toBe(401);
    expect((await c.post('/api/v1/auth/login', creds(bob))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await badLogin(c, bob.email)).status).toBe(401);
    expect((await badLogin(c, bob.email)).status).toBe(429);
  });

  it('limits unknown accounts the same way (no enumeration through the limiter)', async () => {
    const c = t.client('127.0.0.5');
    for (let i = 0; i < 5; i++) expect((await badLogin(c, 'nobody@example.com')).status).toBe(401);
    expect((await badLogin(c, 'nobody@example.com')).status).toBe(429);
  });
});

describe('general per-IP limit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { protection: { rate_limit_per_ip: 5 } } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the limit, per IP, and never on /health', async () => {
    const c = t.client('127.0.0.2');
    for (let i = 0; i < 5; i++) expect((await c.get('/api/v1/auth/status')).status).toBe(200);
    const r = await c.get('/api/v1/auth/status');
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(r.headers['retry-after'])).toBe(r.body.retry_after);
    expect(r.body.retry_after).toBeLessThanOrEqual(60);
    for (let i = 0; i < 10; i++) expect((await c.get('/health/live')).status).toBe(200);
    expect((await t.client('127.0.0.3').get('/api/v1/auth/status')).status).toBe(200);
  });
});
