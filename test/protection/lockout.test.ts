import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/load.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { startSmtpSink, type SmtpSink } from '../harness/smtp.js';
import { seedUser } from '../harness/users.js';
import type { Client } from '../harness/client.js';
import { adminClient, badLogin, creds, eventsOf } from './helpers.js';

describe.each(backends)('account lockout (%s)', (backend) => {
  let t: TestServer;
  let smtp: SmtpSink;
  let clock: FakeClock;
  let admin: Client;
  let ann: { id: string; email: string; password: string };
  beforeAll(async () => {
    smtp = await startSmtpSink();
    clock = new FakeClock(Date.now());
    t = await startTestServer({
      backend,
      clock,
      config: {
        smtp: { url: smtp.url },
        // This suite is about lockout: the per IP+account limit and the ladder stay out of the way.
        protection: { lockout: { failures: 3, duration: 900 }, login: { per_account: 1000 }, ladder: [] },
        sessions: { idle_ttl: 86400 },
      },
    });
    ann = await seedUser(t, { email: 'ann@example.com', name: 'Ann' });
    admin = await adminClient(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('locks after N consecutive failures from any IPs, answering exactly like a wrong password', async () => {
    expect((await badLogin(t.client('127.0.0.2'), ann.email)).status).toBe(401);
    expect((await badLogin(t.client('127.0.0.3'), ann.email)).status).toBe(401);
    expect((await badLogin(t.client('127.0.0.4'), ann.email)).status).toBe(401);
    const locked = await t.client('127.0.0.5').post('/api/v1/auth/login', creds(ann));
    const unknown = await t.client('127.0.0.5').post('/api/v1/auth/login', { email: 'nobody@example.com', password: ann.password });
    expect(locked.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, trace_id: undefined });
    expect(strip(locked.body)).toEqual(strip(unknown.body));
    expect(locked.cookies).toEqual(unknown.cookies);
  });

  it('tells the owner by mail and admins by event and API', async () => {
    const mail = await smtp.waitFor((m) => m.to.includes('ann@example.com') && m.headers['x-gatehouse-template'] === 'account_locked');
    expect(mail.text).toContain('Ann');
    const events = await eventsOf(t, admin, 'account_locked');
    expect(events.map((e) => e.target_id)).toEqual([ann.id]);
    const status = await admin.get(`/api/v1/admin/users/${ann.id}/lockout`);
    expect(status.status).toBe(200);
    expect(status.body.locked).toBe(true);
    expect(Date.parse(status.body.locked_until as string)).toBe(clock.now() + 900_000);
  });

  it('lets an admin unlock; the right password then works', async () => {
    const r = await admin.post(`/api/v1/admin/users/${ann.id}/unlock`);
    expect(r.status).toBe(204);
    expect((await admin.post('/api/v1/admin/users/01NOSUCHUSER0000000000000/unlock')).status).toBe(404);
    expect((await t.client('127.0.0.2').post('/api/v1/auth/login', creds(ann))).status).toBe(200);
    expect((await eventsOf(t, admin, 'account_unlocked')).map((e) => e.target_id)).toEqual([ann.id]);
  });

  it('resets the count on a successful login', async () => {
    const c = t.client('127.0.0.2');
    for (let i = 0; i < 2; i++) expect((await badLogin(c, ann.email)).status).toBe(401);
    expect((await c.post('/api/v1/auth/login', creds(ann))).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await badLogin(c, ann.email)).status).toBe(401);
    expect((await c.post('/api/v1/auth/login', creds(ann))).status).toBe(200);
  });

  it('ends the lock after the cooldown without help (no lasting denial of service)', async () => {
    const c = t.client('127.0.0.2');
    for (let i = 0; i < 3; i++) expect((await badLogin(c, ann.email)).status).toBe(401);
    // Guesses while locked neither succeed nor extend the lock.
    expect((await c.post('/api/v1/auth/login', creds(ann))).status).toBe(401);
    clock.advance(600_000);
    expect((await badLogin(c, ann.email)).status).toBe(401);
    clock.advance(300_001);
    expect((await c.post('/api/v1/auth/login', creds(ann))).status).toBe(200);
  });
});

describe('lockout configuration', () => {
  it('caps the threshold at 100 consecutive failures', () => {
    expect(() => loadConfig({}, { protection: { lockout: { failures: 101 } } })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_PROTECTION_LOCKOUT_FAILURES: '101' })).toThrow(/protection\.lockout\.failures/);
    expect(loadConfig({ GATEHOUSE_PROTECTION_LOCKOUT_FAILURES: '100' }).protection.lockout.failures).toBe(100);
    expect(loadConfig({}).protection.lockout.failures).toBe(0);
  });
});
