import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { RotatingFile } from '../../src/logging/rotating-file.js';

const root = mkdtempSync(join(tmpdir(), 'gatehouse-logs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, String(n++));

const DAY = 86400_000;
const line = (i: number) => `{"n":${String(i).padStart(4, '0')},"msg":"0123456789"}\n`; // 30 bytes

/** Writes through the stream interface (as pino does) and waits until the writes are done. */
async function writeAll(f: RotatingFile, lines: string[]): Promise<void> {
  for (const l of lines) f.write(l);
  await new Promise<void>((resolve) => (f.writableNeedDrain ? f.once('drain', resolve) : resolve()));
}

const end = (f: RotatingFile) => new Promise<void>((resolve) => f.end(resolve));

describe('rotating app log file', () => {
  it('rotates by size: no file grows past the limit and nothing is lost, in order', async () => {
    const dir = freshDir();
    const f = new RotatingFile(join(dir, 'app.log'), { maxBytes: 100, maxAgeMs: DAY, keep: 100 });
    const lines = Array.from({ length: 20 }, (_, i) => line(i));
    await writeAll(f, lines);
    await end(f);
    const rotated = f.rotatedFiles();
    expect(rotated.length).toBeGreaterThanOrEqual(6); // 600 bytes at ≤ 100 per file
    for (const file of [...rotated, f.path]) expect(readFileSync(file).length).toBeLessThanOrEqual(100);
    const all = [...rotated, f.path].map((p) => readFileSync(p, 'utf8')).join('');
    expect(all).toBe(lines.join(''));
  });

  it('keeps at most `keep` rotated files, the newest ones', async () => {
    const dir = freshDir();
    const f = new RotatingFile(join(dir, 'app.log'), { maxBytes: 60, maxAgeMs: DAY, keep: 2 });
    const lines = Array.from({ length: 20 }, (_, i) => line(i)); // two lines per file
    await writeAll(f, lines);
    await end(f);
    const rotated = f.rotatedFiles();
    expect(rotated).toHaveLength(2);
    expect(readFileSync(f.path, 'utf8')).toBe(line(18) + line(19));
    expect(rotated.map((p) => readFileSync(p, 'utf8'))).toEqual([line(14) + line(15), line(16) + line(17)]);
  });

  it('deletes rotated files older than the age limit', async () => {
    const dir = freshDir();
    let now = Date.now();
    const limits = { maxBytes: 60, maxAgeMs: 7 * DAY, keep: 100 };
    const f = new RotatingFile(join(dir, 'app.log'), limits, () => now);
    await writeAll(f, [line(0), line(1), line(2), line(3), line(4)]); // two rotations
    const [oldest, newer] = f.rotatedFiles();
    expect(newer).toBeDefined();
    // The first rotated file is 8 days old, the second 2 days.
    utimesSync(oldest!, new Date(now - 8 * DAY), new Date(now - 8 * DAY));
    utimesSync(newer!, new Date(now - 2 * DAY), new Date(now - 2 * DAY));
    now += 2 * 3600_000; // past the hourly prune, with no rotation due
    await writeAll(f, [`{"x":1}\n`]);
    expect(existsSync(oldest!)).toBe(false);
    expect(existsSync(newer!)).toBe(true);
    await end(f);
  });

  it('rotates the live file by age too, even when it stays small', async () => {
    const dir = freshDir();
    let now = Date.now();
    const f = new RotatingFile(join(dir, 'app.log'), { maxBytes: 1_000_000, maxAgeMs: 7 * DAY, keep: 100, rotateEveryMs: DAY }, () => now);
    await writeAll(f, [line(0), line(1)]);
    expect(f.rotatedFiles()).toHaveLength(0);
    now += DAY + 1000;
    await writeAll(f, [line(2)]);
    const rotated = f.rotatedFiles();
    expect(rotated).toHaveLength(1);
    expect(readFileSync(rotated[0]!, 'utf8')).toBe(line(0) + line(1));
    expect(readFileSync(f.path, 'utf8')).toBe(line(2));
    await end(f);
  });

  it('prunes by age when it opens, too (a restart after a quiet week)', async () => {
    const dir = freshDir();
    const first = new RotatingFile(join(dir, 'app.log'), { maxBytes: 60, maxAgeMs: DAY, keep: 100 });
    await writeAll(first, [line(0), line(1), line(2)]);
    await end(first);
    const [rotated] = first.rotatedFiles();
    utimesSync(rotated!, new Date(Date.now() - 2 * DAY), new Date(Date.now() - 2 * DAY));
    const second = new RotatingFile(join(dir, 'app.log'), { maxBytes: 60, maxAgeMs: DAY, keep: 100 });
    expect(second.rotatedFiles()).toEqual([]);
    expect(readFileSync(second.path, 'utf8')).toBe(line(2)); // the live file is appended to, never pruned
    await end(second);
  });

  it('the logger writes JSON lines to logs/app.log in the data dir, rotating at the configured size', () => {
    const dataDir = freshDir();
    const config = loadConfig({}, { app_env: 'test', data_dir: dataDir, log: { level: 'info', stdout: false, file_max_bytes: 1024, file_keep: 3 } });
    const handle = createLogger(config);
    expect(handle.appLogPath).toBe(join(dataDir, 'logs', 'app.log'));
    for (let i = 0; i < 100; i++) handle.logger.info({ i }, 'filling the log');
    handle.close();
    handle.close(); // idempotent
    handle.logger.info('after close: goes nowhere, breaks nothing');
    const files = readdirSync(join(dataDir, 'logs'));
    expect(files).toContain('app.log');
    expect(files.filter((f) => f.startsWith('app.log.'))).toHaveLength(3);
    const last = readFileSync(handle.appLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(last.at(-1)).toMatchObject({ level: 'info', msg: 'filling the log', i: 99 });
  });
});
