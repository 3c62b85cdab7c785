import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';

/**
 * A login flood that no rate limit stops (limits off here, or many addresses in real life) must
 * not pile up unbounded work: password checks beyond the running ones (cores + 1) and a queue of
 * 64 per slot are refused at once with 503 + Retry-After, the server keeps answering other
 * requests meanwhile, and logins work again once the flood has drained.
 */
describe('password-check queue under a login flood', () => {
  let t: TestServer;
  let user: { email: string; password: string };
  beforeAll(async () => {
    t = await startTestServer({
      config: {
        // Hashes slow enough that the queue fills while the requests are still arriving.
        password: { argon2_memory_kib: 32768, argon2_iterations: 3 },
        protection: { rate_limit_per_ip: 0, login: { per_ip: 0 } },
      },
    });
    user = await seedUser(t, { email: 'flood@example.com' });
  });
  afterAll(() => t.close());

  it('refuses checks past the queue with 503 + Retry-After, keeps serving, and recovers', async () => {
    const capacity = (availableParallelism() + 1) * 65; // running + queued
    const c = t.client();
    let finished = 0;
    const flood = Array.from({ length: capacity + 150 }, () =>
      c.post('/api/v1/auth/token', { email: user.email, password: user.password }).then((r) => {
        finished++;
        return r;
      }),
    );
    // While password checks are still queued, a request that needs none is answered.
    const live = await c.get('/health/live');
    expect(live.status).toBe(200);
    expect(finished).toBeLessThan(flood.length);

    const replies = await Promise.all(flood);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(replies.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    for (const r of refused) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((r.body as { code: string }).code).toBe('service_unavailable');
    }
    // The checks that found a slot or a place in the queue were all served.
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(availableParallelism() + 1);

    const after = await c.post('/api/v1/auth/token', { email: user.email, password: user.password });
    expect(after.status).toBe(200);
  }, 120_000);
});
