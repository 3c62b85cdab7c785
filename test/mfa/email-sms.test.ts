import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { startSmtpSink, type SmtpSink } from '../harness/smtp.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { expectProblem, passwordStep, startSmsReceiver, storedEvents } from './helpers.js';

const SMS_SECRET = 'sms-webhook-shared-secret-for-tests';
const MIN = 60_000;

describe.each(backends)('email and SMS codes (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let smtp: SmtpSink;
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;

  beforeAll(async () => {
    clock = new FakeClock(Date.UTC(2030, 0, 15, 10, 0, 0));
    smtp = await startSmtpSink();
    sms = await startSmsReceiver(SMS_SECRET);
    t = await startTestServer({
      backend,
      // The Postgres run also puts the per-user limits (send count, lock) on Redis, as in a cluster.
      redis: backend === 'postgres',
      clock,
      config: {
        smtp: { url: smtp.url },
        sms: { provider: 'webhook', webhook_url: sms.url, webhook_secret: SMS_SECRET },
        // Longer than the 10-minute code lifetime, so code expiry can be seen on its own.
        mfa: { token_ttl: 900 },
        // Per-IP flow limits and the IP ladder belong to src/protection; here every client is 127.0.0.1.
        protection: { ladder: [], mfa_send: { per_ip: 0, per_account: 0 } },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await sms.close();
  });

  /** The newest code mailed to an address after `since` messages. */
  async function mailedCode(to: string, since: number): Promise<string> {
    const m = await smtp.waitFor((x) => x.to.includes(to) && smtp.messages.indexOf(x) >= since);
    return smtp.codeIn(m);
  }

  async function withEmailMethod(email: string): Promise<{ user: { id: string; email: string; password: string }; c: Client }> {
    const user = await seedUser(t, { email });
    const c = t.client();
    await loginCookie(c, user.email, user.password);
    const since = smtp.messages.length;
    const r = await c.post('/api/v1/me/mfa/email', {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ destination: `${email[0]}•••@example.com`, expires_in: 600 });
    const code = await mailedCode(email, since);
    const ok = await c.post('/api/v1/me/mfa/email/confirm', { id: r.body.id, code });
    expect(ok.status).toBe(200);
    expect(ok.body.method.type).toBe('email');
    return { user, c };
  }

  it('email: the code arrives over SMTP at enrolment and at login; the login finishes with amr email', async () => {
    const { user } = await withEmailMethod('eva@example.com');
    const c = t.client();
    const step = await passwordStep(c, user.email, user.password);
    expect(step.methods).toEqual(['email']);
    const since = smtp.messages.length;
    const ch = await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' });
    expect(ch.status).toBe(202);
    expect(ch.body).toEqual({ sent: true, method: 'email', destination: 'e•••@example.com', expires_in: 600 });
    const mail = await smtp.waitFor((m) => m.to.includes(user.email) && smtp.messages.indexOf(m) >= since);
    expect(mail.subject).toContain('sign-in code');
    const r = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'email', code: smtp.codeIn(mail) });
    expect(r.status).toBe(200);
    expect((await c.get('/api/v1/auth/status')).body.amr).toEqual(['pwd', 'email', 'mfa']);
    // A used code does not work again.
    const again = await passwordStep(t.client(), user.email, user.password);
    expectProblem(await t.client().post('/api/v1/auth/mfa/verify', { mfa_token: again.token, method: 'email', code: smtp.codeIn(mail) }), 401, 'mfa_invalid');
  });

  it('a code belongs to its login and its latest challenge: not to another login, not to another user', async () => {
    const { user } = await withEmailMethod('finn@example.com');
    const { user: other } = await withEmailMethod('gina@example.com');
    const a = t.client();
    const first = await passwordStep(a, user.email, user.password);
    let since = smtp.messages.length;
    await a.post('/api/v1/auth/mfa/challenge', { mfa_token: first.token, method: 'email' });
    const code1 = await mailedCode(user.email, since);
    // A second challenge in the same login ends the first code.
    since = smtp.messages.length;
    await a.post('/api/v1/auth/mfa/challenge', { mfa_token: first.token, method: 'email' });
    const code2 = await mailedCode(user.email, since);
    // Another login of the same user: code2 is not its code.
    const b = t.client();
    const second = await passwordStep(b, user.email, user.password);
    since = smtp.messages.length;
    await b.post('/api/v1/auth/mfa/challenge', { mfa_token: second.token, method: 'email' });
    const code3 = await mailedCode(user.email, since);
    // Another user's login: none of these codes.
    const o = t.client();
    const theirs = await passwordStep(o, other.email, other.password);
    await o.post('/api/v1/auth/mfa/challenge', { mfa_token: theirs.token, method: 'email' });
    for (const code of [code1, code2, code3]) {
      expectProblem(await o.post('/api/v1/auth/mfa/verify', { mfa_token: theirs.token, method: 'email', code }), 401, 'mfa_invalid');
    }
    if (code1 !== code2) expectProblem(await a.post('/api/v1/auth/mfa/verify', { mfa_token: first.token, method: 'email', code: code1 }), 401, 'mfa_invalid');
    if (code2 !== code3) expectProblem(await b.post('/api/v1/auth/mfa/verify', { mfa_token: second.token, method: 'email', code: code2 }), 401, 'mfa_invalid');
    expect((await b.post('/api/v1/auth/mfa/verify', { mfa_token: second.token, method: 'email', code: code3 })).status).toBe(200);
    expect((await a.post('/api/v1/auth/mfa/verify', { mfa_token: first.token, method: 'email', code: code2 })).status).toBe(200);
  });

  it('a code allows 3 attempts and lives 10 minutes', async () => {
    const { user } = await withEmailMethod('hugo@example.com');
    const c = t.client();
    const step = await passwordStep(c, user.email, user.password);
    let since = smtp.messages.length;
    await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' });
    let code = await mailedCode(user.email, since);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 3; i++) expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'email', code: wrong }), 401, 'mfa_invalid');
    // Attempts used up: the right code no longer works.
    expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'email', code }), 401, 'mfa_invalid');
    // (Another user: four failures in a row are one short of the MFA lock.)
    const { user: late } = await withEmailMethod('hanna@example.com');
    const l = t.client();
    const s2 = await passwordStep(l, late.email, late.password);
    since = smtp.messages.length;
    await l.post('/api/v1/auth/mfa/challenge', { mfa_token: s2.token, method: 'email' });
    code = await mailedCode(late.email, since);
    clock.advance(10 * MIN + 1000);
    expectProblem(await l.post('/api/v1/auth/mfa/verify', { mfa_token: s2.token, method: 'email', code }), 401, 'mfa_invalid');
  });

  it('SMS: E.164 numbers only; codes reach the webhook signed with the shared secret', async () => {
    const user = await seedUser(t, { email: 'ines@example.com' });
    const c = t.client();
    await loginCookie(c, user.email, user.password);
    for (const bad of ['07700 900123', '+0447700900123', '+44 7700 9001ab', '+1234']) {
      expectProblem(await c.post('/api/v1/me/mfa/sms', { phone_number: bad }), 422, 'rule_failed');
    }
    const r = await c.post('/api/v1/me/mfa/sms', { phone_number: '+44 7700 900123', name: 'work phone' });
    expect(r.status).toBe(200);
    expect(r.body.destination).toBe(`+${'•'.repeat(10)}23`);
    expect(r.body.notice).toMatch(/TOTP|passkey/);
    const delivered = sms.messages.at(-1)!;
    expect(delivered.to).toBe('+447700900123');
    expect(delivered.signatureValid).toBe(true);
    expect(delivered.t).toBe(Math.floor(clock.now() / 1000));
    expect(JSON.parse(delivered.raw)).toEqual({ to: '+447700900123', message: delivered.message });
    const ok = await c.post('/api/v1/me/mfa/sms/confirm', { id: r.body.id, code: sms.codeFor('+447700900123') });
    expect(ok.status).toBe(200);
    const listed = (await c.get('/api/v1/me/mfa')).body.methods;
    expect(listed).toMatchObject([{ type: 'sms', name: 'work phone', phone_number: `+${'•'.repeat(10)}23` }]);

    const l = t.client();
    const step = await passwordStep(l, user.email, user.password, { mode: 'token' });
    expect(step.methods).toEqual(['sms']);
    const before = sms.messages.length;
    const ch = await l.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'sms' });
    expect(ch.status).toBe(202);
    expect(sms.messages.length).toBe(before + 1);
    expect(sms.messages.at(-1)!.signatureValid).toBe(true);
    const v = await l.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'sms', code: sms.codeFor('+447700900123') });
    expect(v.status).toBe(200);
    expect(v.body.access_token).toBeDefined();
    // Codes never reach the logs.
    const logText = JSON.stringify(t.logs);
    for (const m of sms.messages) expect(logText).not.toContain(/\b(\d{6})\b/.exec(m.message)![1]);
  });

  it('send limit: 10 codes per user per day, counted whether delivered or not (429 mfa_send_limit)', async () => {
    const { user } = await withEmailMethod('jon@example.com'); // 1 sent
    const c = t.client();
    const step = await passwordStep(c, user.email, user.password);
    for (let i = 0; i < 9; i++) expect((await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' })).status).toBe(202);
    const over = await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' });
    expectProblem(over, 429, 'mfa_send_limit');
    // The count starts again at the next midnight UTC.
    const untilMidnight = Math.ceil((Math.ceil(clock.now() / 86_400_000) * 86_400_000 - clock.now()) / 1000);
    expect(over.body.retry_after).toBe(untilMidnight);
    expect(over.headers['retry-after']).toBe(String(untilMidnight));
    // Another user is not affected.
    const { user: other } = await withEmailMethod('kim@example.com');
    const o = t.client();
    const s2 = await passwordStep(o, other.email, other.password);
    expect((await o.post('/api/v1/auth/mfa/challenge', { mfa_token: s2.token, method: 'email' })).status).toBe(202);
    clock.advance(untilMidnight * 1000);
    const again = await passwordStep(c, user.email, user.password);
    expect((await c.post('/api/v1/auth/mfa/challenge', { mfa_token: again.token, method: 'email' })).status).toBe(202);
  });

  it('five failures in a row lock MFA for 15 minutes (429 mfa_locked + security event); the lock then ends', async () => {
    const { user } = await withEmailMethod('lea@example.com');
    const c = t.client();
    const step = await passwordStep(c, user.email, user.password);
    // A method the user does not have is a client error, not a guess: it does not count.
    expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'totp', code: '123456' }), 400, 'mfa_method_unavailable');
    const since = smtp.messages.length;
    await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' });
    const code = await mailedCode(user.email, since);
    const wrong = code === '111111' ? '222222' : '111111';
    // Three wrong entries spend the code; two more on a fresh code make five in a row.
    for (let i = 0; i < 3; i++) expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'email', code: wrong }), 401, 'mfa_invalid');
    await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' });
    expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'email', code: wrong }), 401, 'mfa_invalid');
    const locked = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'email', code: wrong });
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.body.retry_after).toBe(900);
    // While locked, even the right code and new challenges are refused.
    expectProblem(await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'email' }), 429, 'mfa_locked');
    const events = await storedEvents(t, 'mfa_locked');
    expect(events.filter((e) => e.target_id === user.id)).toHaveLength(1);
    expect((await storedEvents(t, 'mfa_failed')).filter((e) => e.target_id === user.id)).toHaveLength(5);
    clock.advance(15 * MIN + 1000);
    const fresh = t.client();
    const s2 = await passwordStep(fresh, user.email, user.password);
    const since2 = smtp.messages.length;
    expect((await fresh.post('/api/v1/auth/mfa/challenge', { mfa_token: s2.token, method: 'email' })).status).toBe(202);
    const ok = await fresh.post('/api/v1/auth/mfa/verify', { mfa_token: s2.token, method: 'email', code: await mailedCode(user.email, since2) });
    expect(ok.status).toBe(200);
    // The login-attempt log has each failed second step and, only after the second step, the success.
    await t.server.container.accounts.attempts.flush();
    const attempts = await t.server.container.db.kysely
      .selectFrom('login_attempts')
      .select(['success', 'reason'])
      .where('user_id', '=', user.id)
      .orderBy('time')
      .orderBy('id')
      .execute();
    expect(attempts.filter((a) => a.reason === 'mfa_email_invalid')).toHaveLength(5);
    expect(attempts.at(-1)).toEqual({ success: 1, reason: 'ok' });
    expect(attempts.filter((a) => a.success === 1)).toHaveLength(2);
  });
});
