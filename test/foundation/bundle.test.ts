import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain build script without type declarations
import { bundle } from '../../scripts/bundle.js';
import { childEnv, ROOT, runNode } from '../harness/cli.js';
import { TEST_MASTER_SECRET } from '../harness/server.js';

/**
 * The image and the benchmark run the esbuild bundle (scripts/bundle.js), not the TypeScript
 * sources the other tests run: this proves the bundled server starts, migrates, serves a login and
 * an authenticated call, renders and writes a mail (stylesheet, juice), and that its CLI works.
 */
describe('production bundle', () => {
  // Inside node_modules, so the packages left external resolve as they do from dist/bundle.
  const cacheDir = join(ROOT, 'node_modules', '.cache');
  let outDir: string;
  let dataDir: string;
  let server: ReturnType<typeof spawn> | undefined;
  let url = '';
  const env = () => ({
    APP_ENV: 'test',
    GATEHOUSE_PORT: '0',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_MASTER_SECRET: TEST_MASTER_SECRET,
    GATEHOUSE_LOG_STDOUT: 'false',
  });

  beforeAll(async () => {
    mkdirSync(cacheDir, { recursive: true });
    outDir = mkdtempSync(join(cacheDir, 'bundle-'));
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bundle-'));
    await bundle(outDir);
    server = spawn(process.execPath, [join(outDir, 'main.js')], { env: childEnv(env()), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    server.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const end = Date.now() + 60_000;
    while (!/Gatehouse listening on (http:\/\/\S+)/.test(out)) {
      if (server.exitCode !== null || Date.now() > end) throw new Error(`bundled server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    url = /Gatehouse listening on (http:\/\/\S+)/.exec(out)![1]!;
  }, 90_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(outDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The bundled CLI (cli.js exports runCli, as bin/gatehouse.js uses it), password on stdin. */
  function bundledCli(args: string[], input: string) {
    const script = `const { runCli } = await import(${JSON.stringify(pathToFileURL(join(outDir, 'cli.js')).href)});
process.exitCode = await runCli(process.argv.slice(1));`;
    return runNode(['--input-type=module', '-e', script, ...args], env(), input);
  }

  it('serves login, an authenticated call and a mail, and its CLI creates users', async () => {
    const password = 'bundled server passphrase 42';
    const created = await bundledCli(['admin', 'create', '--email', 'root@example.com', '--name', 'Root'], `${password}\n`);
    expect(created.stdout + created.stderr).toContain('created superuser root@example.com');
    expect(created.code).toBe(0);

    const token = await fetch(`${url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'root@example.com', password }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe('root@example.com');

    const forgot = await fetch(`${url}/api/v1/auth/password/forgot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'root@example.com' }),
    });
    expect(forgot.status).toBe(202);
    const outbox = join(dataDir, 'outbox');
    const end = Date.now() + 15_000;
    while (!readdirSync(outbox, { withFileTypes: true }).some((f) => f.name.endsWith('.eml'))) {
      if (Date.now() > end) throw new Error('no mail in the outbox');
      await new Promise((r) => setTimeout(r, 50));
    }
    const mail = readdirSync(outbox).find((f) => f.endsWith('.eml'))!;
    // The inlined stylesheet shows that styles.css was found next to the chunks and juice ran.
    expect(readFileSync(join(outbox, mail), 'utf8')).toMatch(/style=3D"|style="/);
  }, 60_000);
});
