import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';

/** The limits in front of the account endpoints (registration, mails on request, codes and links). */
describe('flow limits on the account endpoints', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      config: {
        registration: 'open',
        protection: {
          register: { per_ip: 3, per_account: 2, window: 3600 },
          mail_send: { per_ip: 4, per_account: 2, window: 900 },
          code_verify: { per_ip: 100, per_account: 2, window: 900 },
          ladder: ['4:900:900'],
        },
      },
    });
  });
  afterAll(() => t.close());

  const register = (ip: string, email: string) =>
    t.client(ip).post('/api/v1/auth/register', { email, password: 'a sturdy test passphrase 42', name: 'N' });

  it('limits registrations per IP and per IP+address, with Retry-After', async () => {
    expect((await register('127.0.0.2', 'r1@example.com')).status).toBe(201);
    expect((await register('127.0.0.2', 'r1@example.com')).status).toBe(201);
    const again = await register('127.0.0.2', 'r1@example.com');
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBe(again.body.retry_after);
    expect((await register('127.0.0.2', 'r2@example.com')).status).toBe(429); // 4th from this IP
    expect((await register('127.0.0.3', 'r2@example.com')).status).toBe(201);
  });

  it('limits reset and verification mails per IP+address and per IP, alike for unknown addresses', async () => {
    const c = t.client('127.0.0.4');
    expect((await c.post('/api/v1/auth/password/forgot', { email: 'nobody@example.com' })).status).toBe(202);
    expect((await c.post('/api/v1/auth/password/forgot', { email: 'nobody@example.com' })).status).toBe(202);
    expect((await c.post('/api/v1/auth/password/forgot', { email: 'nobody@example.com' })).status).toBe(429);
    expect((await c.post('/api/v1/auth/verify-email/resend', { email: 'other@example.com' })).status).toBe(202);
    expect((await c.post('/api/v1/auth/verify-email/resend', { email: 'third@example.com' })).status).toBe(429); // 5th from this IP
  });

  it('counts wrong codes per IP+address, and dead links on the IP ladder', async () => {
    const c = t.client('127.0.0.5');
    for (let i = 0; i < 2; i++) {
      expect((await c.post('/api/v1/auth/verify-email', { email: 'r1@example.com', code: '000000' })).status).toBe(400);
    }
    expect((await c.post('/api/v1/auth/verify-email', { email: 'r1@example.com', code: '000000' })).status).toBe(429);
    // Two failures (and one refusal) so far on this IP's ladder; one more dead link reaches its step (4).
    expect((await c.post('/api/v1/auth/password/reset', { token: 'x'.repeat(43), password: 'a sturdy test passphrase 42' })).status).toBe(400);
    const blocked = await c.post('/api/v1/auth/invitations/accept', { token: 'y'.repeat(43), name: 'N', password: 'a sturdy test passphrase 42' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('ip_blocked');
  });
});
