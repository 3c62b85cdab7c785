import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-master-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each process waits for the same instant, then resolves the secret of one fresh data dir.
const script = `
import { loadConfig } from ${JSON.stringify(resolve('src/config/load.ts'))};
import { resolveMasterSecret } from ${JSON.stringify(resolve('src/config/master-secret.ts'))};
const config = loadConfig({ GATEHOUSE_ENV: 'development', GATEHOUSE_DATA_DIR: process.argv[1] });
const at = Number(process.argv[2]);
// Sleep until just before the instant, then spin: aligned starts without holding a core for seconds.
await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now() - 20)));
while (Date.now() < at);
process.stdout.write(resolveMasterSecret(config).secret);
`;

describe('generated master secret', () => {
  it('is the same complete secret for processes that start on one data dir at once', async () => {
    const dataDir = join(dir, 'data');
    const at = String(Date.now() + 3_000);
    const outs = await Promise.all(
      Array.from({ length: 6 }, () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir, at])),
    );
    const secrets = outs.map((o) => o.stdout);
    expect(secrets[0]).toMatch(/^[\w-]{40,}$/);
    expect(new Set(secrets).size).toBe(1);
    // No drafts are left beside the key.
    expect(readdirSync(dataDir)).toEqual(['master.key']);
  }, 30_000);
});
