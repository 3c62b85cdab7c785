import type { Client } from '../harness/client.js';
import type { TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';

/** These suites raise failed logins on purpose: login limits and the ladder stay out of the way. */
export const noLoginLimits = {
  protection: { ladder: [], login: { per_ip: 0, per_account: 0 } },
};

/** A staff member logged in by cookie from `localAddress`. */
export async function staffClient(t: TestServer, email = 'staff@example.com', localAddress = '127.0.0.1'): Promise<{ client: Client; id: string }> {
  const u = await seedUser(t, { email, role: 'staff' });
  const client = t.client(localAddress);
  await loginCookie(client, u.email, u.password);
  return { client, id: u.id };
}

/** A failed login through the real endpoint: the server records a `login_failed` event. */
export async function failLogin(t: TestServer, email: string, localAddress: string, userAgent = 'events-test/1'): Promise<void> {
  const r = await t.client(localAddress).post('/api/v1/auth/login', { email, password: 'not the password at all' }, { headers: { 'user-agent': userAgent } });
  if (r.status !== 401) throw new Error(`expected 401 from the failed login, got ${r.status} ${r.text}`);
}
