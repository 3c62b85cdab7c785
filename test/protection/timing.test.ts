import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Login for an unknown email must cost what a known one costs (the dummy hash), or response
 * times would enumerate accounts. An equality check, not a speed limit. A leak (an unknown email
 * answered without hashing) is a gap of one whole hash, the bulk of the request, in every round;
 * the other test files share the cores and can tilt one round, so a round passes when the median
 * of its paired differences is within 25% of the median time, and one passing round of three
 * is enough.
 */
describe('login timing does not reveal whether an account exists', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      // Many failures from one IP: this suite is not about the limits, so they stay out of the way.
      config: { protection: { login: { per_ip: 0, per_account: 0 }, ladder: [] } },
    });
    await seedUser(t, { email: 'known@example.com' });
  });
  afterAll(() => t.close());

  it('costs the same for an unknown email as for a known one with a wrong password (30 interleaved pairs a round)', async () => {
    const c = t.client('127.0.0.2');
    const attempt = async (email: string) => {
      const start = performance.now();
      const r = await c.post('/api/v1/auth/login', { email, password: 'not the right password at all' });
      const ms = performance.now() - start;
      expect(r.status).toBe(401);
      return ms;
    };
    for (let i = 0; i < 4; i++) await attempt(i % 2 ? 'known@example.com' : 'warmup@example.com');
    const rounds: string[] = [];
    let gap = Infinity;
    for (let round = 0; round < 3; round++) {
      const gaps: number[] = [];
      const all: number[] = [];
      for (let i = 0; i < 30; i++) {
        // Alternate which goes first, so drift in machine load falls on both sides alike.
        let known: number;
        let unknown: number;
        if (i % 2) {
          known = await attempt('known@example.com');
          unknown = await attempt(`nobody-${round}-${i}@example.com`);
        } else {
          unknown = await attempt(`nobody-${round}-${i}@example.com`);
          known = await attempt('known@example.com');
        }
        gaps.push(known - unknown);
        all.push(known, unknown);
      }
      gap = median(gaps) / median(all);
      rounds.push(`gap ${(gap * 100).toFixed(1)}% of ${median(all).toFixed(1)} ms`);
      if (Math.abs(gap) <= 0.25) break;
    }
    expect(Math.abs(gap), rounds.join('; ')).toBeLessThanOrEqual(0.25);
  });
});
