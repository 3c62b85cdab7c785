import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import type { Client } from '../harness/client.js';
import { adminClient, badLogin, creds, eventsOf } from './helpers.js';

const HOUR = 3600_000;

describe.each(backends)('credential stuffing climbs the ladder (%s)', (backend) => {
  let t: TestServer;
  let admin: Client;
  let victims: Array<{ email: string; password: string }>;
  beforeAll(async () => {
    // Default limits: 5 failures per IP+account per 60 s, ladder 10:900:900,20:900:86400.
    t = await startTestServer({ backend });
    victims = await Promise.all(['ann', 'bob', 'cyd'].map((n) => seedUser(t, { email: `${n}@example.com` })));
    admin = await adminClient(t);
  });
  afterAll(() => t.close());

  it('blocks the attacking IP on the 24 h step after 30 failed logins across 3 accounts', async () => {
    const attacker = t.client('127.0.0.2');
    const statuses: number[] = [];
    let last = await badLogin(attacker, victims[0]!.email);
    statuses.push(last.status);
    for (let i = 1; i < 30; i++) {
      last = await badLogin(attacker, victims[i % 3]!.email);
      statuses.push(last.status);
      if (i === 10) {
        // The 11th attempt meets the first step: blocked for 15 minutes.
        expect(last.status).toBe(403);
        const until = Date.parse(last.body.blocked_until as string);
        expect(until).toBeGreaterThan(Date.now() + 14 * 60_000);
        expect(until).toBeLessThan(Date.now() + 16 * 60_000);
      }
    }
    // 10 wrong passwords (401), then refusals that still count and climb to the second step.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(20).fill(403));
    expect(last.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(last.body).toMatchObject({ status: 403, code: 'ip_blocked' });
    const until = Date.parse(last.body.blocked_until as string);
    expect(until).toBeGreaterThan(Date.now() + 23.9 * HOUR);
    expect(until).toBeLessThan(Date.now() + 24.1 * HOUR);
  });

  it('refuses the blocked IP on every route but /health, even with the right password', async () => {
    const attacker = t.client('127.0.0.2');
    expect((await attacker.post('/api/v1/auth/login', creds(victims[0]!))).status).toBe(403);
    for (const path of ['/api/v1/auth/status', '/.well-known/jwks.json', '/api/openapi.json', '/no/such/route']) {
      const r = await attacker.get(path);
      expect(r.status, path).toBe(403);
      expect(r.body.code).toBe('ip_blocked');
    }
    expect((await attacker.get('/health/live')).status).toBe(200);
    expect((await attacker.get('/health/ready')).status).toBe(200);
  });

  it('leaves other IPs alone: the victims log in from 127.0.0.3', async () => {
    for (const v of victims) await loginCookie(t.client('127.0.0.3'), v.email, v.password);
  });

  it('records each step as ip_blacklisted and lists the block with source auto', async () => {
    const events = await eventsOf(t, admin, 'ip_blacklisted', '127.0.0.2');
    const steps = events.map((e) => (e.data as { step: number }).step).sort();
    expect(steps).toEqual([1, 2]);
    expect(events.every((e) => (e.data as { source: string }).source === 'auto')).toBe(true);
    const list = await admin.get('/api/v1/admin/blacklist');
    expect(list.status).toBe(200);
    const entry = (list.body.items as Array<Record<string, unknown>>).find((i) => i.cidr === '127.0.0.2');
    expect(entry).toMatchObject({ source: 'auto' });
    expect(Date.parse(entry!.expires_at as string)).toBeGreaterThan(Date.now() + 23.9 * HOUR);
    expect((await eventsOf(t, admin, 'login_failed', '127.0.0.2')).length).toBe(10);
  });

  it('lifts the block when an admin deletes the entry, with a fresh ladder count', async () => {
    const list = await admin.get('/api/v1/admin/blacklist');
    const entry = (list.body.items as Array<{ id: string; cidr: string }>).find((i) => i.cidr === '127.0.0.2')!;
    expect((await admin.delete(`/api/v1/admin/blacklist/${entry.id}`)).status).toBe(204);
    const attacker = t.client('127.0.0.2');
    expect((await attacker.get('/api/v1/auth/status')).status).toBe(200);
    // One more failure is not the 21st: the count started again.
    expect((await badLogin(attacker, 'someone-new@example.com')).status).toBe(401);
    expect((await attacker.get('/api/v1/auth/status')).status).toBe(200);
  });
});
