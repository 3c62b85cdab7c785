import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import type { Client } from '../harness/client.js';
import { adminClient, badLogin, creds, eventually } from './helpers.js';

/** Two instances on one Postgres schema and one Redis prefix: what one counts or blocks holds on the other. */
describe('protection across two instances sharing Postgres and Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let adminA: Client;
  let ann: { email: string; password: string };
  beforeAll(async () => {
    a = await startTestServer({ backend: 'postgres', redis: true });
    b = await startTestServer({ backend: 'postgres', redis: true, databaseUrl: a.databaseUrl!, redisPrefix: a.redisPrefix });
    ann = await seedUser(a, { email: 'ann@example.com' });
    adminA = await adminClient(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('counts failures on A and on B together', async () => {
    for (let i = 0; i < 3; i++) expect((await badLogin(a.client('127.0.0.2'), ann.email)).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await badLogin(b.client('127.0.0.2'), ann.email)).status).toBe(401);
    const onA = await a.client('127.0.0.2').post('/api/v1/auth/login', creds(ann));
    const onB = await b.client('127.0.0.2').post('/api/v1/auth/login', creds(ann));
    for (const r of [onA, onB]) {
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBe(r.body.retry_after);
    }
  });

  it('climbs the ladder from failures on both, and the block holds on both at once', async () => {
    // 127.0.0.2 has 5 failures (above) plus the 2 refusals; 3 more on B reach the first step (10).
    for (let i = 0; i < 3; i++) expect((await badLogin(b.client('127.0.0.2'), `x${i}@example.com`)).status).toBe(401);
    // An auth attempt sees the block on the other instance at once (shared cache), …
    const r = await a.client('127.0.0.2').post('/api/v1/auth/login', creds(ann));
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('ip_blocked');
    // … and every other route as soon as the change notice arrived.
    await eventually(async () => expect((await a.client('127.0.0.2').get('/api/v1/auth/status')).status).toBe(403));
    expect((await b.client('127.0.0.2').get('/api/v1/auth/status')).status).toBe(403);
    expect((await a.client('127.0.0.3').post('/api/v1/auth/login', creds(ann))).status).toBe(200);
  });

  it('applies a manual blacklist entry and network rules made on A on B too', async () => {
    const added = await adminA.post('/api/v1/admin/blacklist', { cidr: '127.0.0.8/29', reason: 'test range' });
    expect(added.status).toBe(201);
    await eventually(async () => expect((await b.client('127.0.0.9').get('/.well-known/jwks.json')).status).toBe(403));
    const rules = await adminA.put('/api/v1/admin/network-rules', { rules: [{ action: 'deny', cidr: '127.0.0.4', scope: 'login' }] });
    expect(rules.status).toBe(200);
    await eventually(async () => expect((await badLogin(b.client('127.0.0.4'), ann.email)).body.code).toBe('network_denied'));
    expect((await adminA.delete(`/api/v1/admin/blacklist/${added.body.id as string}`)).status).toBe(204);
    await eventually(async () => expect((await b.client('127.0.0.9').get('/.well-known/jwks.json')).status).toBe(200));
  });
});
