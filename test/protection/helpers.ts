import type { Client, Reply } from '../harness/client.js';
import type { TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';

/** A superuser logged in with a cookie, speaking from `ip`. */
export async function adminClient(t: TestServer, ip = '127.0.0.1', email = `admin-${ip}@example.com`): Promise<Client> {
  const admin = await seedUser(t, { email, role: 'superuser' });
  const c = t.client(ip);
  await loginCookie(c, admin.email, admin.password);
  return c;
}

export const badLogin = (c: Client, email: string): Promise<Reply> =>
  c.post('/api/v1/auth/login', { email, password: 'definitely not the password' });

/**
 * Retries until `check` passes or the deadline comes: for effects that reach another instance
 * through pub/sub, which arrive a moment after the answer that caused them.
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Stored events of a type, through the admin events API. */
export async function eventsOf(t: TestServer, admin: Client, type: string, ip?: string): Promise<Array<Record<string, unknown>>> {
  await t.server.container.events.flush();
  const q = new URLSearchParams({ type, page_size: '200', ...(ip ? { ip } : {}) });
  const r = await admin.get(`/api/v1/admin/events?${q.toString()}`);
  if (r.status !== 200) throw new Error(`events: ${r.status} ${r.text}`);
  return r.body.items as Array<Record<string, unknown>>;
}

/** The login body for a seeded user. */
export const creds = (u: { email: string; password: string }) => ({ email: u.email, password: u.password });
