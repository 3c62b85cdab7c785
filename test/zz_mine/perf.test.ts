import { it } from 'vitest';
import { startTestServer } from '../harness/server.js';
import { seedUser, loginCookie } from '../harness/users.js';
import { tokenLogin } from '../tokens/helpers.js';

it('perf', async () => {
  const t = await startTestServer({ config: { protection: { rate_limit_per_ip: 0 } } });
  const u = await seedUser(t, { email: 'p@example.com' });
  const c = t.client();
  await loginCookie(c, u.email, u.password);
  const pair = await tokenLogin(t.client(), u.email, u.password);
  const app = t.server.app;
  const cookie = c.cookieHeader();
  const runs = async (headers: Record<string, string>, n = 3000) => {
    const s = performance.now();
    for (let i = 0; i < n; i++) await app.inject({ method: 'GET', url: '/api/v1/auth/status', headers });
    return ((performance.now() - s) / n * 1000).toFixed(1) + 'us';
  };
  for (let k = 0; k < 2; k++) {
    console.log('anon', await runs({}));
    console.log('cookie', await runs({ cookie }));
    console.log('bearer', await runs({ authorization: `Bearer ${pair.access_token}` }));
  }
  await t.close();
}, 120000);
