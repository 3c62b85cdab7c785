import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';

// Security checklist rows 27 (fixation), 28 (entropy) and 35 (cookie attributes).
describe('session cookie attributes and fixation', () => {
  let t: TestServer;
  let user: { email: string; password: string };
  const creds = () => ({ email: user.email, password: user.password });
  const httpsOrigin = 'https://id.example.test';
  beforeAll(async () => {
    // The public URL is https (a TLS proxy in front); the test talks to the loopback listener.
    t = await startTestServer({ config: { public_url: httpsOrigin } });
    user = await seedUser(t, { email: 'cookie@example.com' });
  });
  afterAll(() => t.close());

  it('uses the __Host- prefix with Secure, HttpOnly, Path=/, SameSite=Lax and no Domain over https', async () => {
    const a = t.client();
    const r = await a.post('/api/v1/auth/login', creds(), { headers: { origin: httpsOrigin } });
    expect(r.status).toBe(200);
    const set = r.cookies.find((c) => c.startsWith('__Host-gatehouse_session='))!;
    expect(set).toBeDefined();
    const attrs = set.split(';').map((x) => x.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=lax']));
    expect(attrs.some((x) => x.startsWith('domain='))).toBe(false);
    // The value never appears in the body.
    const value = set.split(';')[0]!.split('=')[1]!;
    expect(r.text).not.toContain(value);
    expect(value).toMatch(/^[\w-]{43,}$/);
  });

  it('issues a fresh session id at login; a planted value stays worthless', async () => {
    const a = t.client();
    a.jar.set('__Host-gatehouse_session', 'planted-by-an-attacker-0123456789abcdefghijkl');
    const r = await a.post('/api/v1/auth/login', creds(), { headers: { origin: httpsOrigin } });
    expect(r.status).toBe(200);
    const after = a.jar.get('__Host-gatehouse_session');
    expect(after).not.toBe('planted-by-an-attacker-0123456789abcdefghijkl');
    const me = await t.client().get('/api/v1/me', { headers: { cookie: '__Host-gatehouse_session=planted-by-an-attacker-0123456789abcdefghijkl' } });
    expect(me.status).toBe(401);
    expect((await a.get('/api/v1/me')).status).toBe(200);
  });

  it('mints distinct, unpredictable session ids (no repeats over 50 logins)', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const a = t.client();
      await a.post('/api/v1/auth/login', creds(), { headers: { origin: httpsOrigin } });
      seen.add(a.jar.get('__Host-gatehouse_session')!);
    }
    expect(seen.size).toBe(50);
  });
});
