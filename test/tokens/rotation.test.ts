import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { expectProblem, meStatus, refresh, storedEvents, tokenLogin } from './helpers.js';

describe.each(backends)('API tokens: login, rotation, reuse detection (%s)', (backend) => {
  let t: TestServer;
  let user: { id: string; email: string; password: string };

  beforeAll(async () => {
    t = await startTestServer({ backend });
    user = await seedUser(t, { email: 'tia@example.com' });
  });
  afterAll(() => t.close());

  it('answers a token pair whose access token carries the documented claims', async () => {
    const c = t.client();
    const r = await c.post('/api/v1/auth/token', { email: user.email, password: user.password });
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, refresh_expires_in: 3600 });
    expect(r.body.refresh_token).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\.[\w-]{43}$/);
    expect(decodeProtectedHeader(r.body.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(r.body.access_token);
    expect(claims).toMatchObject({ iss: t.config.public_url, aud: t.config.public_url, sub: user.id, amr: ['pwd'] });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.sid).toBe('string');
    expect(await meStatus(t, r.body.access_token)).toBe(200);
    // The session the token names is the one the session list shows.
    const list = await t.client().get('/api/v1/me/sessions', { headers: { authorization: `Bearer ${r.body.access_token}` } });
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(claims.sid);
  });

  it('refuses wrong credentials identically to the cookie login', async () => {
    const r = await t.client().post('/api/v1/auth/token', { email: user.email, password: 'not the right one' });
    expectProblem(r, 401, 'invalid_credentials');
  });

  it('rotates: each refresh answers a new pair in the same session; the old refresh token is spent', async () => {
    const c = t.client();
    const first = await tokenLogin(c, user.email, user.password);
    const r = await refresh(c, first.refresh_token);
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const second = r.body;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(decodeJwt(second.access_token).sid).toBe(decodeJwt(first.access_token).sid);
    expect(await meStatus(t, second.access_token)).toBe(200);
    const third = await refresh(c, second.refresh_token);
    expect(third.status).toBe(200);
    expect(await meStatus(t, third.body.access_token)).toBe(200);
  });

  it('replaying a used refresh token revokes the session: the newest refresh and access tokens die too', async () => {
    const c = t.client('127.0.0.5');
    const first = await tokenLogin(c, user.email, user.password);
    const sid = decodeJwt(first.access_token).sid;
    const second = (await refresh(c, first.refresh_token)).body;
    expect(await meStatus(t, second.access_token)).toBe(200);

    const replay = await refresh(t.client('127.0.0.6'), first.refresh_token);
    expectProblem(replay, 401, 'token_reused');
    expectProblem(await refresh(c, second.refresh_token), 401, 'invalid_token');
    expect(await meStatus(t, second.access_token)).toBe(401);
    expect(await meStatus(t, first.access_token)).toBe(401);

    const events = await storedEvents(t, 'refresh_token_reused');
    expect(events.filter((e) => e.data.session_id === sid)).toEqual([
      { target_id: user.id, data: { session_id: sid, session_revoked: true } },
    ]);
    const revoked = await storedEvents(t, 'session_revoked');
    expect(revoked.filter((e) => e.data.session_id === sid).map((e) => e.data.reason)).toEqual(['refresh_token_reused']);
  });

  it('20 parallel refreshes with one token: exactly one succeeds', async () => {
    const c = t.client();
    const pair = await tokenLogin(c, user.email, user.password);
    const replies = await Promise.all(Array.from({ length: 20 }, () => refresh(t.client(), pair.refresh_token)));
    const ok = replies.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 200)) expectProblem(r, 401, 'token_reused');
    // With no grace, the losers are reuse: the session is gone, the winner's pair with it.
    expectProblem(await refresh(c, ok[0]!.body.refresh_token), 401, 'invalid_token');
  });

  it('refuses unknown, malformed and access tokens presented as refresh tokens', async () => {
    const c = t.client();
    const pair = await tokenLogin(c, user.email, user.password);
    expectProblem(await refresh(c, 'x'.repeat(43)), 401, 'invalid_token');
    expectProblem(await refresh(c, pair.access_token), 401, 'invalid_token');
    expect((await c.post('/api/v1/auth/refresh', {})).status).toBe(400);
    // …and a refresh token is no bearer token.
    expect(await meStatus(t, pair.refresh_token)).toBe(401);
  });

  it('logout with a bearer token ends the session and its refresh token', async () => {
    const c = t.client();
    const pair = await tokenLogin(c, user.email, user.password);
    const out = await c.post('/api/v1/auth/logout', undefined, { headers: { authorization: `Bearer ${pair.access_token}` } });
    expect(out.status).toBe(204);
    expect(await meStatus(t, pair.access_token)).toBe(401);
    expectProblem(await refresh(c, pair.refresh_token), 401, 'invalid_token');
  });

  it('stores refresh tokens only as their row id and SHA-256; the secret part is nowhere in the table', async () => {
    const pair = await tokenLogin(t.client(), user.email, user.password);
    const [id, secret] = pair.refresh_token.split('.') as [string, string];
    const rows = await t.server.container.db.kysely.selectFrom('refresh_tokens').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.find((r) => r.id === id)?.token_hash).toBe(`${id}.${createHash('sha256').update(pair.refresh_token).digest('hex')}`);
    for (const r of rows) {
      expect(r.token_hash).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\.[0-9a-f]{64}$/);
      expect(JSON.stringify(r)).not.toContain(secret);
    }
  });

  it('refuses a token whose id or secret was swapped or altered, without treating it as reuse', async () => {
    const c = t.client('127.0.0.7');
    const a = await tokenLogin(c, user.email, user.password);
    const b = await tokenLogin(c, user.email, user.password);
    const [idA, secretA] = a.refresh_token.split('.') as [string, string];
    const [idB, secretB] = b.refresh_token.split('.') as [string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [`${idB}.${secretA}`, `${idA}.${secretB}`, `${idA}.${flip(secretA)}`, `${flip(idA)}.${secretA}`, secretA, `.${secretA}`]) {
      expectProblem(await refresh(c, forged), 401, 'invalid_token');
    }
    // Both real tokens are untouched by the attempts: no session was revoked.
    expect((await refresh(c, a.refresh_token)).status).toBe(200);
    expect((await refresh(c, b.refresh_token)).status).toBe(200);
  });

  it('a refresh token of the earlier format (bare secret, keyed by its SHA-256) still rotates, once', async () => {
    const c = t.client('127.0.0.8');
    const pair = await tokenLogin(c, user.email, user.password);
    const sid = decodeJwt(pair.access_token).sid as string;
    // A row as the earlier release wrote it, into the same session.
    const legacy = randomBytes(32).toString('base64url');
    const now = Date.now();
    await t.server.container.db.kysely
      .insertInto('refresh_tokens')
      .values({ id: `legacy-${now}`, session_id: sid, token_hash: createHash('sha256').update(legacy).digest('hex'), created_at: now, expires_at: now + 3_600_000, consumed_at: null, replaced_by: null })
      .execute();
    const rotated = await refresh(c, legacy);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\.[\w-]{43}$/);
    expect(await meStatus(t, rotated.body.access_token)).toBe(200);
    // Reuse detection covers it as well: replaying it ends the session.
    expectProblem(await refresh(c, legacy), 401, 'token_reused');
    expectProblem(await refresh(c, rotated.body.refresh_token), 401, 'invalid_token');
  });
});

describe.each(backends)('refresh reuse grace (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ backend, config: { tokens: { refresh_reuse_grace: 30 } } });
  });
  afterAll(() => t.close());

  it('within the grace a re-presented token is refused without revoking the session', async () => {
    const u = await seedUser(t, { email: 'gus@example.com' });
    const c = t.client();
    const pair = await tokenLogin(c, u.email, u.password);
    const replies = await Promise.all(Array.from({ length: 20 }, () => refresh(t.client(), pair.refresh_token)));
    const ok = replies.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 200)) expectProblem(r, 401, 'token_reused');
    // The winner's pair still works: the racing retries did not kill the session.
    expect(await meStatus(t, ok[0]!.body.access_token)).toBe(200);
    expect((await refresh(c, ok[0]!.body.refresh_token)).status).toBe(200);
    expect(await storedEvents(t, 'refresh_token_reused')).toEqual([]);
  });
});
