import { hash as argon2Hash, Algorithm } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { seedUser } from '../harness/users.js';
import { mailTo, sameProblem, startAccountsServer, STRONG, STRONG2, tryLogin, type AccountsServer } from './helpers.js';

/** Exactly `n` Unicode characters (code points) cut from a passphrase with spaces and non-ASCII letters. */
const passphrase = (n: number, seed: string) => {
  const base = `${seed} Überseeische Grüße 🦊 aus Žilina — ñandú café œuvre ☕ 東京 straße `;
  const chars = [...base.repeat(Math.ceil(n / [...base].length) + 1)].slice(0, n);
  if (chars[n - 1] === ' ') chars[n - 1] = 'x';
  return chars.join('');
};

const codes = (body: { errors?: Array<{ code: string }> }) => (body.errors ?? []).map((e) => e.code);

describe.each(backends)('passwords: policy, storage, change, forgot and reset (%s)', (backend) => {
  let s: AccountsServer;
  beforeAll(async () => {
    s = await startAccountsServer(backend, { require_email_verification: false });
  });
  afterAll(() => s.close());

  const register = (email: string, password: string, name = 'Pat Example') =>
    s.t.client().post('/api/v1/auth/register', { email, password, name });

  it('refuses a 7-character password with 422 naming the length rule', async () => {
    const r = await register('seven@example.com', 'Ab3$xyz');
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('password_policy');
    const rule = r.body.errors.find((e: { code: string }) => e.code === 'password_too_short');
    expect(rule.message).toMatch(/12 characters/);
  });

  it('refuses common passwords and context words, listing every failed rule', async () => {
    for (const common of ['password1234567', 'qwertyuiopasdfg']) {
      const r = await register('common@example.com', common);
      expect(r.status).toBe(422);
      expect(codes(r.body)).toContain('password_common');
      expect(codes(r.body)).toContain('password_too_guessable');
    }
    const named = await register('rosalind@example.com', 'Rosalind sails northern fjords 93', 'Rosalind Franklin');
    expect(named.status).toBe(422);
    expect(codes(named.body)).toEqual(['password_contains_context']);
    const product = await register('product@example.com', 'my Gatehouse passphrase sails 93');
    expect(codes(product.body)).toContain('password_contains_context');
    const local = await register('zanzibarfox@example.com', 'zanzibarfox sails northern 93');
    expect(codes(local.body)).toContain('password_contains_context');
    // Several failures at once: every rule is listed.
    const many = await register('many@example.com', 'gatehouse');
    expect(codes(many.body)).toEqual(expect.arrayContaining(['password_too_short', 'password_contains_context', 'password_too_guessable']));
  });

  it('accepts a spaced passphrase without composition rules', async () => {
    expect((await register('phrase@example.com', STRONG)).status).toBe(201);
    expect(await tryLogin(s.t.client(), 'phrase@example.com', STRONG)).toBe(200);
  });

  it('keeps 64- and 128-character Unicode passphrases whole: no truncation, no case folding', async () => {
    for (const [n, email] of [[64, 'p64@example.com'], [128, 'p128@example.com']] as const) {
      const pw = passphrase(n, n === 64 ? 'Kiwi' : 'Otter');
      expect([...pw]).toHaveLength(n);
      expect((await register(email, pw)).status).toBe(201);
      const c = s.t.client();
      expect(await tryLogin(c, email, pw.slice(0, -1))).toBe(401);
      expect(await tryLogin(c, email, [...pw].slice(0, n - 1).join(''))).toBe(401);
      expect(await tryLogin(c, email, pw.toUpperCase())).toBe(401);
      expect(await tryLogin(c, email, pw.toLowerCase())).toBe(401);
      expect(await tryLogin(c, email, pw)).toBe(200);
    }
    // Past the maximum the password is refused, never cut.
    const long = await register('toolong@example.com', passphrase(257, 'Long'));
    expect(codes(long.body)).toEqual(['password_too_long']);
  });

  it('stores argon2id hashes with a salt per user (white-box)', async () => {
    await register('salt1@example.com', STRONG2);
    await register('salt2@example.com', STRONG2);
    const rows = await s.t.server.container.db.kysely
      .selectFrom('users')
      .select(['email', 'password_hash'])
      .where('email', 'in', ['salt1@example.com', 'salt2@example.com'])
      .execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/);
    expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash);
  });

  it('upgrades a hash made with older parameters on the next login', async () => {
    const u = await seedUser(s.t, { email: 'oldhash@example.com', password: STRONG });
    const old = await argon2Hash(STRONG, { algorithm: Algorithm.Argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const { db, users } = s.t.server.container;
    await users.update(u.id, { password_hash: old });
    expect(await tryLogin(s.t.client(), u.email, STRONG)).toBe(200);
    const row = await db.kysely.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('changes the password only with the right current one; other sessions end', async () => {
    const u = await seedUser(s.t, { email: 'changer@example.com', password: STRONG, name: 'Chris Changer' });
    const s1 = s.t.client();
    const s2 = s.t.client('127.0.0.2');
    expect(await tryLogin(s1, u.email, STRONG)).toBe(200);
    expect(await tryLogin(s2, u.email, STRONG)).toBe(200);

    const missing = await s1.post('/api/v1/me/password', { new_password: STRONG2 });
    expect(missing.status).toBe(400);
    const wrong = await s1.post('/api/v1/me/password', { current_password: 'not my password at all', new_password: STRONG2 });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('wrong_password');
    const weak = await s1.post('/api/v1/me/password', { current_password: STRONG, new_password: 'Ab3$xyz' });
    expect(weak.status).toBe(422);
    expect(codes(weak.body)).toContain('password_too_short');
    // Unchanged after the refusals.
    expect(await tryLogin(s.t.client(), u.email, STRONG2)).toBe(401);
    expect(await tryLogin(s.t.client(), u.email, STRONG)).toBe(200);

    const ok = await s1.post('/api/v1/me/password', { current_password: STRONG, new_password: STRONG2 });
    expect(ok.status).toBe(204);
    expect((await s1.get('/api/v1/me')).status).toBe(200);
    expect((await s2.get('/api/v1/me')).status).toBe(401);
    expect(await tryLogin(s.t.client(), u.email, STRONG)).toBe(401);
    expect(await tryLogin(s.t.client(), u.email, STRONG2)).toBe(200);
    const notice = await mailTo(s.mail, u.email, 'password_changed');
    expect(notice.text).not.toContain(STRONG2);
  });

  it('answers forgot-password identically for an existing and a missing email', async () => {
    await seedUser(s.t, { email: 'forgetful@example.com', password: STRONG });
    const c = s.t.client();
    const known = await c.post('/api/v1/auth/password/forgot', { email: 'forgetful@example.com' });
    const unknown = await c.post('/api/v1/auth/password/forgot', { email: 'nobody-forgot@example.com' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.text).toBe(unknown.text);
    expect(known.headers['content-type']).toBe(unknown.headers['content-type']);
    expect(known.cookies).toEqual(unknown.cookies);
    await mailTo(s.mail, 'forgetful@example.com', 'password_reset');
    expect(s.mail.messages.some((m) => m.to.includes('nobody-forgot@example.com'))).toBe(false);
  });

  it('reset link: policy first, works once, kills every other link and every session', async () => {
    const u = await seedUser(s.t, { email: 'resetter@example.com', password: STRONG, name: 'Robin Resetter' });
    const s1 = s.t.client();
    const s2 = s.t.client('127.0.0.2');
    expect(await tryLogin(s1, u.email, STRONG)).toBe(200);
    expect(await tryLogin(s2, u.email, STRONG)).toBe(200);
    const c = s.t.client();
    let before = s.mail.messages.length;
    await c.post('/api/v1/auth/password/forgot', { email: u.email });
    const first = await mailTo(s.mail, u.email, 'password_reset', before);
    before = s.mail.messages.length;
    await c.post('/api/v1/auth/password/forgot', { email: u.email });
    const second = await mailTo(s.mail, u.email, 'password_reset', before);
    const token1 = s.mail.tokenIn(first, '/reset-password');
    const token2 = s.mail.tokenIn(second, '/reset-password');
    expect(token1).not.toBe(token2);
    expect((await c.get(`/reset-password?token=${token2}`)).status).toBe(200);

    // A refused password leaves the link usable.
    const weak = await c.post('/api/v1/auth/password/reset', { token: token2, password: 'robin resetter 1' });
    expect(weak.status).toBe(422);
    expect(codes(weak.body)).toContain('password_contains_context');

    expect((await c.post('/api/v1/auth/password/reset', { token: token2, password: STRONG2 })).status).toBe(204);
    const replay = await c.post('/api/v1/auth/password/reset', { token: token2, password: 'yet another lantern 77 fennel' });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('invalid_link');
    // The other outstanding link died with the reset.
    expect((await c.post('/api/v1/auth/password/reset', { token: token1, password: 'yet another lantern 77 fennel' })).status).toBe(400);

    expect((await s1.get('/api/v1/me')).status).toBe(401);
    expect((await s2.get('/api/v1/me')).status).toBe(401);
    expect(await tryLogin(s.t.client(), u.email, STRONG)).toBe(401);
    expect(await tryLogin(s.t.client(), u.email, STRONG2)).toBe(200);
    await mailTo(s.mail, u.email, 'password_changed');
  });

  it('answers login, forgot and register alike for existing and unknown accounts', async () => {
    await seedUser(s.t, { email: 'exists@example.com', password: STRONG });
    const c = s.t.client();
    const loginA = await c.post('/api/v1/auth/login', { email: 'exists@example.com', password: 'wrong wrong wrong wrong' });
    const loginB = await c.post('/api/v1/auth/login', { email: 'missing@example.com', password: 'wrong wrong wrong wrong' });
    expect(loginA.status).toBe(401);
    expect([loginB.status, sameProblem(loginB.body), loginB.cookies]).toEqual([loginA.status, sameProblem(loginA.body), loginA.cookies]);
    const regA = await c.post('/api/v1/auth/register', { email: 'exists@example.com', password: STRONG2, name: 'X' });
    const regB = await c.post('/api/v1/auth/register', { email: 'missing@example.com', password: STRONG2, name: 'X' });
    expect([regA.status, regA.text]).toEqual([regB.status, regB.text]);
  });
});
