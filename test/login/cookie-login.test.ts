import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { newId } from '../../src/shared/ids.js';
import { normalizeEmail } from '../../src/accounts/email.js';

describe.each(backends)('cookie login spine (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ backend });
    const c = t.server.container;
    const now = Date.now();
    await c.users.insert({
      id: newId(),
      email: 'Ann@Example.com',
      email_normalized: normalizeEmail('Ann@Example.com'),
      name: 'Ann',
      profile: '{}',
      attributes: '{}',
      status: 'active',
      role: 'user',
      password_hash: await c.hasher.hash('correct horse battery staple'),
      email_verified_at: now,
      single_session: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    });
  });
  afterAll(() => t.close());

  it('logs in, reads /me, logs out, and the old cookie is dead', async () => {
    const a = t.client();
    const r = await a.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'correct horse battery staple' });
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe('Ann@Example.com');
    expect(r.cookies[0]).toMatch(/^gatehouse_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const me = await a.get('/api/v1/me');
    expect(me.status).toBe(200);
    const saved = a.cookieHeader();
    expect((await a.post('/api/v1/auth/logout')).status).toBe(204);
    const replay = await a.get('/api/v1/me', { headers: { cookie: saved } });
    expect(replay.status).toBe(401);
  });

  it('records the time of the last successful login, and only of a successful one', async () => {
    const a = t.client();
    const before = Date.now();
    const r = await a.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'correct horse battery staple' });
    expect(r.status).toBe(200);
    const at = Date.parse(r.body.user.last_login_at);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await a.get('/api/v1/me')).body.last_login_at).toBe(r.body.user.last_login_at);
    expect((await t.client().post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' })).status).toBe(401);
    expect((await a.get('/api/v1/me')).body.last_login_at).toBe(r.body.user.last_login_at);
  });

  it('answers unknown email and wrong password identically', async () => {
    const a = t.client();
    const x = await a.post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'whatever whatever' });
    const y = await a.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'wrong wrong wrong' });
    expect(x.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, trace_id: undefined });
    expect(strip(x.body)).toEqual(strip(y.body));
    expect(x.cookies).toEqual(y.cookies);
  });

  it('refuses a cookie-authenticated POST from a foreign Origin before reading the body', async () => {
    const a = t.client();
    await a.post('/api/v1/auth/login', { email: 'ann@example.com', password: 'correct horse battery staple' });
    const r = await a.post('/api/v1/auth/logout', undefined, { headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('csrf_failed');
    const form = await a.request('POST', '/api/v1/auth/logout', { raw: 'a=b', headers: { 'content-type': 'text/plain' }, noOrigin: true });
    expect(form.status).toBe(403);
    expect((await a.get('/api/v1/me')).status).toBe(200);
  });
});
