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
    expect(r.body.refresh_token).toMatch(/^[\w-]{43}$/);
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

  it('stores refresh tokens only as SHA-256 hashes', async () => {
    const pair = await tokenLogin(t.client(), user.email, user.password);
    const rows = await t.server.container.db.kysely.selectFrom('refresh_tokens').select('token_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.token_hash).not.toContain(pair.refresh_token);
    }
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
