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
 * times would enumerate accounts. An equality check, not a speed limit: medians within 25%.
 */
describe('login timing does not reveal whether an account exists', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      // Eighty failures from one IP: this suite is not about the limits, so they stay out of the way.
      config: { protection: { login: { per_ip: 0, per_account: 0 }, ladder: [] } },
    });
    await seedUser(t, { email: 'known@example.com' });
  });
  afterAll(() => t.close());

  it('costs the same for an unknown email as for a known one with a wrong password (40 interleaved each)', async () => {
    const c = t.client('127.0.0.2');
    const attempt = async (email: string) => {
      const start = performance.now();
      const r = await c.post('/api/v1/auth/login', { email, password: 'not the right password at all' });
      const ms = performance.now() - start;
      expect(r.status).toBe(401);
      return ms;
    };
    for (let i = 0; i < 4; i++) await attempt(i % 2 ? 'known@example.com' : 'warmup@example.com');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Alternate which goes first, so drift in machine load falls on both sides alike.
      if (i % 2) {
        known.push(await attempt('known@example.com'));
        unknown.push(await attempt(`nobody-${i}@example.com`));
      } else {
        unknown.push(await attempt(`nobody-${i}@example.com`));
        known.push(await attempt('known@example.com'));
      }
    }
    const [mk, mu] = [median(known), median(unknown)];
    expect(Math.abs(mk - mu) / Math.max(mk, mu), `medians known ${mk.toFixed(1)} ms, unknown ${mu.toFixed(1)} ms`).toBeLessThanOrEqual(0.25);
  });
});
