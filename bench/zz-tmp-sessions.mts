import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { openDatabase } from '../src/db/connect.js';
import { createUserStore } from '../src/accounts/store.js';
import { createPasswordHasher } from '../src/crypto/passwords.js';
import { newId } from '../src/shared/ids.js';
import { freePort } from '../test/harness/server.js';

const run = (opts: autocannon.Options) => new Promise<autocannon.Result>((res, rej) => autocannon({ duration: 5, connections: 32, ...opts }, (e, r) => (e ? rej(e) : res(r))));

const hello = Fastify();
hello.get('/', async () => ({ hello: 'world' }));
const hp = await freePort();
await hello.listen({ port: hp, host: '127.0.0.1' });
const bare = await run({ url: `http://127.0.0.1:${hp}/` });
await hello.close();

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'ghb-'));
const url = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, ['bin/gatehouse.js', 'serve'], {
  cwd: '/work/main',
  env: { PATH: process.env.PATH, HOME: process.env.HOME, APP_ENV: 'test', GATEHOUSE_PORT: String(port), GATEHOUSE_PUBLIC_URL: url, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_MASTER_SECRET: 'x'.repeat(40), GATEHOUSE_RATE_LIMIT_PER_IP: '0' },
  stdio: 'inherit',
});
for (;;) {
  try { if ((await fetch(`${url}/health/ready`)).ok) break; } catch {}
  await new Promise((r) => setTimeout(r, 200));
}
const db = openDatabase({ databaseUrl: null, dataDir });
const hasher = createPasswordHasher({ memoryKib: 19456, iterations: 2, parallelism: 1 });
const now = Date.now();
await createUserStore(db.kysely).insert({ id: newId(), email: 'b@example.com', email_normalized: 'b@example.com', name: 'B', profile: '{}', attributes: '{}', status: 'active', role: 'user', password_hash: await hasher.hash('correct horse battery staple'), email_verified_at: now, single_session: null, created_at: now, updated_at: now, last_login_at: null });
const body = JSON.stringify({ email: 'b@example.com', password: 'correct horse battery staple' });
const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
const tok = await (await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json() as { access_token: string };
const me0 = await run({ url: `${url}/api/v1/auth/status`, headers: { authorization: `Bearer ${tok.access_token}` } }); console.log("bearer-first", me0.requests.average);
const status = await run({ url: `${url}/api/v1/auth/status`, headers: { cookie } });
const me = await run({ url: `${url}/api/v1/auth/status`, headers: { authorization: `Bearer ${tok.access_token}` } });
const anon = await run({ url: `${url}/api/v1/auth/status` });
console.log(JSON.stringify({ bare: bare.requests.average, cookieStatus: status.requests.average, bearerStatus: me.requests.average, anonStatus: anon.requests.average, non2xx: [status.non2xx, me.non2xx] }));
child.kill('SIGTERM');
await db.close();
