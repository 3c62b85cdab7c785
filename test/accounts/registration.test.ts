import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { startTestServer } from '../harness/server.js';
import { mailTo, mailsTo, sameProblem, startAccountsServer, STRONG, tryLogin, type AccountsServer } from './helpers.js';

describe.each(backends)('registration and email verification (%s)', (backend) => {
  let s: AccountsServer;
  beforeAll(async () => {
    s = await startAccountsServer(backend);
  });
  afterAll(() => s.close());

  it('register → mail over SMTP → verify by link → login → /me', async () => {
    const c = s.t.client();
    const r = await c.post('/api/v1/auth/register', { email: 'Link.User@Example.com', password: STRONG, name: 'Link User' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ verification_required: true });

    // Pending until verified: the login answer is the generic 401.
    expect(await tryLogin(c, 'link.user@example.com', STRONG)).toBe(401);

    const msg = await mailTo(s.mail, 'link.user@example.com', 'verify_email');
    const link = s.mail.linkIn(msg, '/verify-email');
    expect(link.startsWith(`${s.t.config.public_url}/verify-email?token=`)).toBe(true);
    // The link opens a page that posts the token to the API (no inline script).
    const page = await c.get(new URL(link).pathname + new URL(link).search);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script src="assets/account-pages.js" defer></script>');
    expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(page.text).not.toContain(s.mail.tokenIn(msg, '/verify-email'));
    const script = await c.get('/assets/account-pages.js');
    expect(script.status).toBe(200);
    expect(script.text).toContain('api/v1/auth/verify-email');

    const token = s.mail.tokenIn(msg, '/verify-email');
    const v = await c.post('/api/v1/auth/verify-email', { token });
    expect(v.status).toBe(200);
    expect(v.body.user).toMatchObject({ email: 'Link.User@Example.com', status: 'active', email_verified: true, role: 'user' });
    expect(v.body.user).not.toHaveProperty('password_hash');

    // Single use: the same link again fails.
    const again = await c.post('/api/v1/auth/verify-email', { token });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('invalid_link');

    await mailTo(s.mail, 'link.user@example.com', 'welcome');
    expect(await tryLogin(c, 'LINK.USER@example.com', STRONG)).toBe(200);
    const me = await c.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'Link.User@Example.com', name: 'Link User', status: 'active' });
  });

  it('verifies by the 6-digit code; a wrong code fails and the code works once', async () => {
    const c = s.t.client();
    expect((await c.post('/api/v1/auth/register', { email: 'code.user@example.com', password: STRONG, name: 'Code User' })).status).toBe(201);
    const msg = await mailTo(s.mail, 'code.user@example.com', 'verify_email');
    const code = s.mail.codeIn(msg);
    const wrong = code === '000000' ? '111111' : '000000';
    const bad = await c.post('/api/v1/auth/verify-email', { email: 'code.user@example.com', code: wrong });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_link');
    const ok = await c.post('/api/v1/auth/verify-email', { email: 'code.user@example.com', code });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email_verified).toBe(true);
    expect((await c.post('/api/v1/auth/verify-email', { email: 'code.user@example.com', code })).status).toBe(400);
    expect(await tryLogin(c, 'code.user@example.com', STRONG)).toBe(200);
    expect((await c.get('/api/v1/me')).body.email).toBe('code.user@example.com');
  });

  it('kills a code after too many wrong guesses, and a resend replaces the old code', async () => {
    const c = s.t.client();
    await c.post('/api/v1/auth/register', { email: 'guess@example.com', password: STRONG, name: 'Guess Target' });
    const first = await mailTo(s.mail, 'guess@example.com', 'verify_email');
    const code = s.mail.codeIn(first);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < s.t.config.accounts.verification_code_attempts; i++) {
      expect((await c.post('/api/v1/auth/verify-email', { email: 'guess@example.com', code: wrong })).status).toBe(400);
    }
    // The right code no longer works: the attempts are used up.
    expect((await c.post('/api/v1/auth/verify-email', { email: 'guess@example.com', code })).status).toBe(400);

    const before = s.mail.messages.length;
    expect((await c.post('/api/v1/auth/verify-email/resend', { email: 'guess@example.com' })).status).toBe(202);
    const second = await mailTo(s.mail, 'guess@example.com', 'verify_email', before);
    // The first mail's link died with the resend.
    expect((await c.post('/api/v1/auth/verify-email', { token: s.mail.tokenIn(first, '/verify-email') })).status).toBe(400);
    expect((await c.post('/api/v1/auth/verify-email', { email: 'guess@example.com', code: s.mail.codeIn(second) })).status).toBe(200);
  });

  it('answers a registration of an existing email exactly like a new one; the owner is told by mail', async () => {
    const c = s.t.client();
    const fresh = await c.post('/api/v1/auth/register', { email: 'fresh@example.com', password: STRONG, name: 'Fresh Person' });
    const taken = await c.post('/api/v1/auth/register', { email: 'FRESH@example.com', password: 'another lantern orbit 93', name: 'Intruder' });
    expect(taken.status).toBe(fresh.status);
    expect(taken.text).toBe(fresh.text);
    expect(taken.cookies).toEqual(fresh.cookies);
    expect(taken.headers['content-type']).toBe(fresh.headers['content-type']);
    const warn = await mailTo(s.mail, 'fresh@example.com', 'registration_attempt');
    // The mail offers a reset link; the intruder's password was not applied.
    expect(s.mail.linkIn(warn, '/reset-password')).toContain('/reset-password?token=');
    await mailTo(s.mail, 'fresh@example.com', 'verify_email');
    expect(mailsTo(s.mail, 'fresh@example.com', 'verify_email')).toHaveLength(1);
  });

  it('limits resends per address, the same for unknown addresses', async () => {
    const c = s.t.client();
    const limit = s.t.config.accounts.verification_resend_limit;
    await c.post('/api/v1/auth/register', { email: 'resend@example.com', password: STRONG, name: 'Resend Person' });
    const answers: Array<[number, number]> = [];
    for (let i = 0; i <= limit; i++) {
      const known = await c.post('/api/v1/auth/verify-email/resend', { email: 'resend@example.com' });
      const unknown = await c.post('/api/v1/auth/verify-email/resend', { email: 'nobody-resend@example.com' });
      answers.push([known.status, unknown.status]);
      expect(sameProblem(known.body)).toEqual(sameProblem(unknown.body));
    }
    expect(answers.slice(0, limit).every(([a, b]) => a === 202 && b === 202)).toBe(true);
    expect(answers[limit]).toEqual([429, 429]);
  });

  it('refuses a password that breaks the policy with 422 listing the rules', async () => {
    const c = s.t.client();
    const r = await c.post('/api/v1/auth/register', { email: 'weak@example.com', password: 'short', name: 'Weak' });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('password_policy');
    expect(r.body.errors.map((e: { code: string }) => e.code)).toContain('password_too_short');
  });
});

describe('registration modes', () => {
  it('answers 403 registration_closed by default (invite_only) and when closed', async () => {
    for (const registration of [undefined, 'closed']) {
      const t = await startTestServer({ config: registration ? { registration } : {} });
      try {
        const r = await t.client().post('/api/v1/auth/register', { email: 'a@example.com', password: STRONG, name: 'A' });
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('registration_closed');
      } finally {
        await t.close();
      }
    }
  });

  it('without required verification the account is active at once and can log in', async () => {
    const s = await startAccountsServer('sqlite', { require_email_verification: false });
    try {
      const c = s.t.client();
      const r = await c.post('/api/v1/auth/register', { email: 'direct@example.com', password: STRONG, name: 'Direct' });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ verification_required: false });
      expect(await tryLogin(c, 'direct@example.com', STRONG)).toBe(200);
      expect((await c.get('/api/v1/me')).body.email_verified).toBe(false);
    } finally {
      await s.close();
    }
  });
});
