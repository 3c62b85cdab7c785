import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { startAccountsServer, type AccountsServer } from './helpers.js';

describe.each(backends)('the last superuser survives racing deletions (%s)', (backend) => {
  let s: AccountsServer;
  beforeAll(async () => {
    s = await startAccountsServer(backend);
  });
  afterAll(() => s.close());

  it('two superusers deleting each other at the same instant: exactly one deletion succeeds', async () => {
    const a = await seedUser(s.t, { email: 'alpha-root@example.com', role: 'superuser' });
    const b = await seedUser(s.t, { email: 'beta-root@example.com', role: 'superuser' });
    const ca = s.t.client();
    const cb = s.t.client();
    await loginCookie(ca, a.email, a.password);
    await loginCookie(cb, b.email, b.password);
    const [ra, rb] = await Promise.all([ca.delete(`/api/v1/admin/users/${b.id}`), cb.delete(`/api/v1/admin/users/${a.id}`)]);
    const statuses = [ra.status, rb.status].sort();
    // One wins (204). The other is refused: 409 if it reached the guarded delete, or 401 if its own
    // session was already revoked because its account is the one that was deleted.
    expect(statuses.filter((x) => x === 204)).toHaveLength(1);
    expect(statuses.some((x) => x === 409 || x === 401)).toBe(true);
    const left = await s.t.server.container.users.countActiveSuperusers();
    expect(left).toBe(1);
  });
});
