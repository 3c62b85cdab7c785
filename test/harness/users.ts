import { normalizeEmail } from '../../src/accounts/email.js';
import type { Role, UserStatus } from '../../src/accounts/roles.js';
import { newId } from '../../src/shared/ids.js';
import type { Client } from './client.js';
import type { TestServer } from './server.js';

export interface SeedUser {
  email: string;
  password?: string;
  name?: string;
  role?: Role;
  status?: UserStatus;
}

/**
 * Seeds a user directly (test setup only, like a fixture): the behaviour under test still goes
 * through HTTP. Prefer the admin API or CLI where the test is about creating users.
 */
export async function seedUser(t: TestServer, u: SeedUser): Promise<{ id: string; email: string; password: string }> {
  const c = t.server.container;
  const now = c.clock.now();
  const password = u.password ?? 'a sturdy test passphrase 42';
  const id = newId();
  await c.users.insert({
    id,
    email: u.email,
    email_normalized: normalizeEmail(u.email),
    name: u.name ?? u.email.split('@')[0]!,
    profile: '{}',
    attributes: '{}',
    status: u.status ?? 'active',
    role: u.role ?? 'user',
    password_hash: await c.hasher.hash(password),
    email_verified_at: now,
    single_session: null,
    created_at: now,
    updated_at: now,
    last_login_at: null,
  });
  return { id, email: u.email, password };
}

/** Logs a client in with a cookie session; throws unless it worked. */
export async function loginCookie(client: Client, email: string, password: string): Promise<void> {
  const r = await client.post('/api/v1/auth/login', { email, password });
  if (r.status !== 200) throw new Error(`login of ${email} failed: ${r.status} ${r.text}`);
}
