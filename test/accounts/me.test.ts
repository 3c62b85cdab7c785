import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { startAccountsServer, tryLogin, type AccountsServer } from './helpers.js';

describe.each(backends)('self-service /api/v1/me (%s)', (backend) => {
  let s: AccountsServer;
  beforeAll(async () => {
    s = await startAccountsServer(backend);
  });
  afterAll(() => s.close());

  it('edits the name and profile claims; an empty string removes a claim', async () => {
    const u = await seedUser(s.t, { email: 'profile@example.com', name: 'Pro File' });
    const c = s.t.client();
    await loginCookie(c, u.email, u.password);
    const r = await c.patch('/api/v1/me', {
      name: 'Proper File',
      given_name: 'Proper',
      locale: 'en-GB',
      address: { locality: 'Leeds', country: 'GB' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'Proper File', given_name: 'Proper', locale: 'en-GB', address: { locality: 'Leeds', country: 'GB' } });
    const cleared = await c.patch('/api/v1/me', { locale: '' });
    expect(cleared.body).not.toHaveProperty('locale');
    expect(cleared.body.given_name).toBe('Proper');
    // Role, status, email and attributes are not self-service.
    expect((await c.patch('/api/v1/me', { role: 'superuser' })).status).toBe(400);
    expect((await c.patch('/api/v1/me', { attributes: { admin: true } })).status).toBe(400);
    expect((await c.patch('/api/v1/me', {})).status).toBe(400);
    expect((await s.t.client().patch('/api/v1/me', { name: 'Anon' })).status).toBe(401);
  });

  it('deletes the account only with the password, and all its sessions go with it', async () => {
    const u = await seedUser(s.t, { email: 'leaver@example.com' });
    const c1 = s.t.client();
    const c2 = s.t.client('127.0.0.2');
    await loginCookie(c1, u.email, u.password);
    await loginCookie(c2, u.email, u.password);
    const wrong = await c1.delete('/api/v1/me', { password: 'not the right one at all' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('wrong_password');
    expect((await c1.delete('/api/v1/me', {})).status).toBe(400);
    expect((await c1.get('/api/v1/me')).status).toBe(200);
    const ok = await c1.delete('/api/v1/me', { password: u.password });
    expect(ok.status).toBe(204);
    expect((await c1.get('/api/v1/me')).status).toBe(401);
    expect((await c2.get('/api/v1/me')).status).toBe(401);
    expect(await tryLogin(s.t.client(), u.email, u.password)).toBe(401);
    const row = await s.t.server.container.users.findById(u.id);
    expect(row).toBeUndefined();
    const sessions = await s.t.server.container.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute();
    expect(sessions).toEqual([]);
  });

  it('documents the account endpoints in OpenAPI and serves the link pages under a strict CSP', async () => {
    const doc = await s.t.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths);
    for (const p of [
      '/api/v1/auth/register',
      '/api/v1/auth/verify-email',
      '/api/v1/auth/verify-email/resend',
      '/api/v1/auth/password/forgot',
      '/api/v1/auth/password/reset',
      '/api/v1/auth/invitations/accept',
      '/api/v1/me',
      '/api/v1/me/password',
      '/api/v1/admin/users',
      '/api/v1/admin/users/{id}',
      '/api/v1/admin/users/bulk',
      '/api/v1/admin/invitations',
      '/api/v1/admin/invitations/{id}',
    ]) {
      expect(paths).toContain(p);
    }
    for (const page of ['/verify-email', '/reset-password?token=abc', '/invite?token=abc']) {
      const r = await s.t.client().get(page);
      expect(r.status).toBe(200);
      expect(r.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(r.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['cache-control']).toBe('no-store');
    }
  });
});
