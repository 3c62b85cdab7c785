import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { eventually, meStatus, tokenLogin } from '../tokens/helpers.js';

interface SessionItem {
  id: string;
  current: boolean;
  login_ip: string;
  login_user_agent: string;
  login_location: string;
  last_ip: string;
  last_user_agent: string;
  last_location: string;
  last_active: string;
  remember_me: boolean;
}

const list = async (c: Client): Promise<SessionItem[]> => {
  const r = await c.get('/api/v1/me/sessions');
  expect(r.status).toBe(200);
  return r.body.items;
};

/** A cookie client for `email` speaking from `ip` with its own user agent. */
async function cookieClient(t: TestServer, email: string, password: string, ip: string, ua: string): Promise<Client> {
  const c = t.client(ip);
  const r = await c.post('/api/v1/auth/login', { email, password }, { headers: { 'user-agent': ua } });
  expect(r.status).toBe(200);
  return c;
}

describe.each(backends)('my sessions (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let ann: { id: string; email: string; password: string };
  let bob: { id: string; email: string; password: string };

  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock });
    ann = await seedUser(t, { email: 'ann@example.com' });
    bob = await seedUser(t, { email: 'bob@example.com' });
  });
  afterAll(() => t.close());

  it('lists login and last IP, agent and location, and marks the current session', async () => {
    const c = await cookieClient(t, ann.email, ann.password, '127.0.0.2', 'login-agent/1');
    const [s] = await list(c);
    expect(s).toMatchObject({
      current: true,
      login_ip: '127.0.0.2',
      login_user_agent: 'login-agent/1',
      login_location: 'private',
      last_ip: '127.0.0.2',
      last_location: 'private',
      remember_me: false,
    });
    // Two minutes later the same browser shows up from another address with another agent.
    clock.advance(2 * 60_000);
    const moved = new Client(t.url, '127.0.0.3');
    for (const [k, v] of c.jar) moved.jar.set(k, v);
    expect((await moved.get('/api/v1/me', { headers: { 'user-agent': 'later-agent/2' } })).status).toBe(200);
    // Written behind, off the request path: wait for the flush.
    await eventually(async () => (await list(c)).find((x) => x.id === s!.id)?.last_ip === '127.0.0.3');
    const [after] = await list(c);
    expect(after).toMatchObject({
      login_ip: '127.0.0.2',
      login_user_agent: 'login-agent/1',
      last_ip: '127.0.0.3',
      last_user_agent: 'later-agent/2',
      last_location: 'private',
      last_active: new Date(clock.now()).toISOString(),
    });
  });

  it('writes activity at most once a minute per session', async () => {
    const c = await cookieClient(t, bob.email, bob.password, '127.0.0.4', 'a/1');
    const sid = (await list(c))[0]!.id;
    clock.advance(61_000);
    await c.get('/api/v1/me', { headers: { 'user-agent': 'b/1' } });
    await eventually(async () => (await list(c)).find((x) => x.id === sid)?.last_user_agent === 'b/1');
    // Within the minute, further requests change nothing stored.
    clock.advance(30_000);
    await c.get('/api/v1/me', { headers: { 'user-agent': 'c/1' } });
    await t.server.container.activity.flush();
    expect((await list(c)).find((x) => x.id === sid)?.last_user_agent).toBe('b/1');
    await c.post('/api/v1/auth/logout');
  });

  it('revokes one session, then all others, then all', async () => {
    const one = await cookieClient(t, bob.email, bob.password, '127.0.0.5', 'one');
    const two = await cookieClient(t, bob.email, bob.password, '127.0.0.6', 'two');
    const three = await tokenLogin(t.client('127.0.0.7'), bob.email, bob.password);
    const threeClient = t.client('127.0.0.7');
    threeClient.bearer = three.access_token;

    const sessions = await list(one);
    expect(sessions).toHaveLength(3);
    const twoId = (await list(two)).find((s) => s.current)!.id;
    expect((await one.delete(`/api/v1/me/sessions/${twoId}`)).status).toBe(204);
    expect((await two.get('/api/v1/me')).status).toBe(401);
    expect((await one.get('/api/v1/me')).status).toBe(200);
    expect((await threeClient.get('/api/v1/me')).status).toBe(200);
    // Ending it again, or an id that is not mine, is 404.
    expect((await one.delete(`/api/v1/me/sessions/${twoId}`)).status).toBe(404);
    const annClient = await cookieClient(t, ann.email, ann.password, '127.0.0.8', 'ann');
    const annSid = (await list(annClient)).find((s) => s.current)!.id;
    expect((await one.delete(`/api/v1/me/sessions/${annSid}`)).status).toBe(404);
    expect((await annClient.get('/api/v1/me')).status).toBe(200);

    expect((await one.delete('/api/v1/me/sessions')).status).toBe(204);
    expect((await threeClient.get('/api/v1/me')).status).toBe(401);
    expect((await one.get('/api/v1/me')).status).toBe(200);
    expect((await list(one)).map((s) => s.current)).toEqual([true]);

    expect((await one.delete('/api/v1/me/sessions?include_current=true')).status).toBe(204);
    expect((await one.get('/api/v1/me')).status).toBe(401);
    expect((await annClient.get('/api/v1/me')).status).toBe(200);
  });
});

describe('auth status', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('answers anonymous, cookie and bearer callers', async () => {
    const u = await seedUser(t, { email: 'sam@example.com' });
    expect((await t.client().get('/api/v1/auth/status')).body).toEqual({ authenticated: false });
    const junk = await t.client().get('/api/v1/auth/status', { headers: { authorization: 'Bearer not-a-token' } });
    expect(junk.status).toBe(200);
    expect(junk.body).toEqual({ authenticated: false });

    const c = t.client();
    await loginCookie(c, u.email, u.password);
    const viaCookie = (await c.get('/api/v1/auth/status')).body;
    expect(viaCookie).toMatchObject({ authenticated: true, user_id: u.id, amr: ['pwd'], remember_me: false, via: 'cookie' });
    expect(Date.parse(viaCookie.expires_at)).toBeGreaterThan(Date.parse(viaCookie.auth_time));

    const pair = await tokenLogin(t.client(), u.email, u.password, true);
    const viaBearer = (await t.client().get('/api/v1/auth/status', { headers: { authorization: `Bearer ${pair.access_token}` } })).body;
    expect(viaBearer).toMatchObject({ authenticated: true, user_id: u.id, remember_me: true, via: 'bearer' });
    expect(viaBearer.session_id).not.toBe(viaCookie.session_id);
    // A bearer credential ends with its access token (1 day with remember-me).
    expect(Date.parse(viaBearer.expires_at) - Date.parse(viaBearer.auth_time)).toBeLessThanOrEqual(86400_000 + 1000);

    await c.post('/api/v1/auth/logout');
    expect((await c.get('/api/v1/auth/status', { headers: { cookie: 'gatehouse_session=gone' } })).body).toEqual({ authenticated: false });
  });
});

describe.each(backends)('single session (%s)', (backend) => {
  let on: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    [on, off] = await Promise.all([
      startTestServer({ backend, config: { sessions: { single_session: true } } }),
      startTestServer({ backend }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([on?.close(), off?.close()]);
  });

  it('config single_session: a new login ends the other sessions; a per-user 0 opts out', async () => {
    const u = await seedUser(on, { email: 'solo@example.com' });
    const first = on.client();
    await loginCookie(first, u.email, u.password);
    const second = await tokenLogin(on.client(), u.email, u.password);
    expect((await first.get('/api/v1/me')).status).toBe(401);
    expect(await meStatus(on, second.access_token)).toBe(200);

    const many = await seedUser(on, { email: 'many@example.com' });
    await on.server.container.users.update(many.id, { single_session: 0 });
    const a = on.client();
    const b = on.client();
    await loginCookie(a, many.email, many.password);
    await loginCookie(b, many.email, many.password);
    expect([(await a.get('/api/v1/me')).status, (await b.get('/api/v1/me')).status]).toEqual([200, 200]);
  });

  it('a per-user 1 makes one user single-session while the default stays off', async () => {
    const u = await seedUser(off, { email: 'strict@example.com' });
    await off.server.container.users.update(u.id, { single_session: 1 });
    const other = await seedUser(off, { email: 'relaxed@example.com' });
    const a = off.client();
    const b = off.client();
    await loginCookie(a, u.email, u.password);
    await loginCookie(b, u.email, u.password);
    expect([(await a.get('/api/v1/me')).status, (await b.get('/api/v1/me')).status]).toEqual([401, 200]);
    const c = off.client();
    const d = off.client();
    await loginCookie(c, other.email, other.password);
    await loginCookie(d, other.email, other.password);
    expect([(await c.get('/api/v1/me')).status, (await d.get('/api/v1/me')).status]).toEqual([200, 200]);
  });
});
