import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { tokenLogin } from '../tokens/helpers.js';

const APP = 'https://app.example';

describe('CORS allowlist for bearer browser apps', () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    t = await startTestServer({ config: { cors_origins: [APP] } });
    const u = await seedUser(t, { email: 'spa@example.com' });
    token = (await tokenLogin(t.client(), u.email, u.password)).access_token;
  });
  afterAll(() => t.close());

  it('answers a listed origin with CORS headers and never allows credentials', async () => {
    const r = await t.client().get('/api/v1/me', { headers: { origin: APP, authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(r.headers.vary)).toMatch(/origin/i);

    const pre = await t.client().request('OPTIONS', '/api/v1/auth/refresh', {
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(APP);
    expect(String(pre.headers['access-control-allow-headers'])).toMatch(/authorization/);
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(pre.headers['access-control-allow-methods'])).toMatch(/POST/);
  });

  it('refuses a preflight that names no method', async () => {
    const pre = await t.client().request('OPTIONS', '/api/v1/auth/refresh', { headers: { origin: APP } });
    expect(pre.status).toBe(400);
    expect(pre.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(pre.body).toMatchObject({ code: 'bad_request' });
  });

  it('lets a listed origin log in for tokens (no cookie involved)', async () => {
    const u = await seedUser(t, { email: 'spa2@example.com' });
    const r = await t.client().post('/api/v1/auth/token', { email: u.email, password: u.password }, { headers: { origin: APP } });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
  });

  it('gives an unknown origin no CORS headers at all', async () => {
    const r = await t.client().get('/api/v1/me', { headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.client().request('OPTIONS', '/api/v1/me', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-methods']).toBeUndefined();
  });
});
