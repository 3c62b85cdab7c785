import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MFA_CLEANUP_JOB } from '../../src/mfa/cleanup.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { enrollTotp, expectProblem, passwordStep, startSmsReceiver } from './helpers.js';

describe.each(backends)('MFA cleanup job (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock });
  });
  afterAll(() => t.close());

  it('deletes ended logins and never-confirmed enrolments, keeps confirmed methods', async () => {
    const u = await seedUser(t, { email: 'cleo@example.com' });
    const c = t.client();
    await loginCookie(c, u.email, u.password);
    await enrollTotp(c, t);
    await c.post('/api/v1/me/mfa/totp', { name: 'never confirmed' });
    await passwordStep(t.client(), u.email, u.password);
    const db = t.server.container.db.kysely;
    const count = async (table: 'mfa_transactions' | 'mfa_methods') =>
      (await db.selectFrom(table).select('id').where('user_id', '=', u.id).execute()).length;
    expect(await count('mfa_transactions')).toBe(1);
    expect(await count('mfa_methods')).toBe(2);
    clock.advance(2 * 86_400_000);
    expect(await t.server.container.scheduler.runNow(MFA_CLEANUP_JOB)).toBe(true);
    expect(await count('mfa_transactions')).toBe(0);
    const left = await db.selectFrom('mfa_methods').selectAll().where('user_id', '=', u.id).execute();
    expect(left.map((m) => m.confirmed_at !== null)).toEqual([true]);
  });
});

describe('SMS providers', () => {
  it('log provider: outside development only the masked number is logged, never the text', async () => {
    const t = await startTestServer({ config: { log: { level: 'info' } } });
    try {
      const u = await seedUser(t, { email: 'lou@example.com' });
      const c = t.client();
      await loginCookie(c, u.email, u.password);
      expect((await c.post('/api/v1/me/mfa/sms', { phone_number: '+15555550123' })).status).toBe(200);
      const line = t.logs.find((l) => l.msg === 'sms (log provider)');
      expect(line).toMatchObject({ sms_to: `+${'•'.repeat(9)}23` });
      expect(line).not.toHaveProperty('sms_text');
    } finally {
      await t.close();
    }
  });

  it('webhook provider: a refused delivery answers 503 mfa_delivery_failed', async () => {
    const gateway = await startSmsReceiver('the gateway knows another secret');
    const t = await startTestServer({ config: { sms: { provider: 'webhook', webhook_url: gateway.url, webhook_secret: 'our secret' } } });
    try {
      const u = await seedUser(t, { email: 'mo@example.com' });
      const c = t.client();
      await loginCookie(c, u.email, u.password);
      expectProblem(await c.post('/api/v1/me/mfa/sms', { phone_number: '+15555550199' }), 503, 'mfa_delivery_failed');
      expect(gateway.messages).toHaveLength(1);
      expect(gateway.messages[0]!.signatureValid).toBe(false);
    } finally {
      await t.close();
      await gateway.close();
    }
  });
});
