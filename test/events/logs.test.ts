import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailJsonLines } from '../../src/admin/logs-tail.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { noLoginLimits, staffClient } from './helpers.js';

const FORGED = '{"level":"info","msg":"admin login ok"}';

describe('admin log viewer', () => {
  let t: TestServer;
  let admin: Client;
  const logsDir = () => join(t.config.data_dir, 'logs');

  beforeAll(async () => {
    // Info level so request and event lines reach the app log (the test profile logs warnings only).
    t = await startTestServer({ config: { ...noLoginLimits, log: { level: 'info' } } });
    admin = (await staffClient(t)).client;
  });
  afterAll(() => t.close());

  it('refuses a line count outside 1..1000 and unknown sources with 400', async () => {
    for (const q of ['source=app&lines=0', 'source=app&lines=1001', 'source=app&lines=-5', 'source=app&lines=ten', 'source=secrets&lines=5', 'lines=5']) {
      const r = await admin.get(`/api/v1/admin/logs?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe('validation_failed');
    }
    expect((await admin.get('/api/v1/admin/logs?source=app&lines=1000')).status).toBe(200);
    expect((await admin.get('/api/v1/admin/logs?source=app&lines=1')).body.items).toHaveLength(1);
  });

  it('returns the last N lines of the app log, parsed, oldest first', async () => {
    const r = await admin.get('/api/v1/admin/logs?source=app&lines=3');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(3);
    for (const item of r.body.items) expect(typeof item.time).toBe('string');
    const times = r.body.items.map((i: { time: string }) => i.time);
    expect(times).toEqual([...times].sort());
    // The file's own last lines, for comparison (the viewer's request may add lines after them).
    const fileLines = readFileSync(join(logsDir(), 'app.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const start = fileLines.findIndex((l) => JSON.stringify(l) === JSON.stringify(r.body.items[0]));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(fileLines.slice(start, start + 3)).toEqual(r.body.items);
  });

  it('reads the auth log at <data_dir>/logs/auth.log, skipping lines that are not JSON', async () => {
    mkdirSync(logsDir(), { recursive: true });
    const mark = `m${Date.now()}`;
    appendFileSync(join(logsDir(), 'auth.log'), `{"mark":"${mark}","n":1}\nnot json at all\n{"mark":"${mark}","n":2}\n[1,2]\n{"mark":"${mark}","n":3}\n`);
    const r = await admin.get('/api/v1/admin/logs?source=auth&lines=2');
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([
      { mark, n: 2 },
      { mark, n: 3 },
    ]);
  });

  it('logs a forged line inside an email as one escaped JSON line (checklist 55)', async () => {
    const email = `evil\n${FORGED}\n\u001b[31mred\u001b[0m\r@example.com`;
    const r = await t.client('127.0.0.2').post('/api/v1/auth/login', { email, password: 'whatever it is' });
    expect(r.status).toBe(401);
    await t.server.container.events.flush();

    const raw = readFileSync(join(logsDir(), 'app.log'), 'utf8');
    expect(raw.includes('\u001b')).toBe(false);
    expect(raw.includes('\r')).toBe(false);
    const lines = raw.split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.some((p) => p.msg === 'admin login ok')).toBe(false);
    const carrying = parsed.filter((p) => JSON.stringify(p).includes('admin login ok'));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toMatchObject({ msg: 'event login_failed', event: { type: 'login_failed', ip: '127.0.0.2', data: { email } } });

    // The viewer hands the same line back intact.
    const viewed = await admin.get('/api/v1/admin/logs?source=app&lines=1000');
    const hits = viewed.body.items.filter((i: { msg?: string }) => i.msg === 'event login_failed');
    expect(hits.at(-1).event.data.email).toBe(email);
    expect(viewed.body.items.some((i: { msg?: string }) => i.msg === 'admin login ok')).toBe(false);

    // The auth log (login attempts, written by the accounts capability) holds it the same way.
    const authRaw = readFileSync(join(logsDir(), 'auth.log'), 'utf8');
    expect(authRaw.includes('\u001b')).toBe(false);
    const planted = new Set(['not json at all', '[1,2]']); // from the auth log test above
    const authLines = authRaw
      .split('\n')
      .filter((l) => l && !planted.has(l))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(authLines.filter((l) => l.email === email)).toHaveLength(1);
    expect(authLines.some((l) => l.msg === 'admin login ok')).toBe(false);
    const authViewed = await admin.get('/api/v1/admin/logs?source=auth&lines=1000');
    expect(authViewed.body.items.filter((i: { email?: string }) => i.email === email)).toHaveLength(1);
  });
});

describe('tailJsonLines', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-tail-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const line = (n: number, pad = '') => `${JSON.stringify({ n, pad })}\n`;

  it('finds the exact last lines of a file much larger than one read chunk', async () => {
    const path = join(dir, 'big.log');
    let text = '';
    // ~1.3 MB with varied line lengths so lines straddle the 64 KiB chunk borders.
    for (let n = 0; n < 6000; n++) text += line(n, 'x'.repeat((n * 37) % 400));
    writeFileSync(path, text);
    const got = await tailJsonLines(path, 1000);
    expect(got.map((l) => l.n)).toEqual(Array.from({ length: 1000 }, (_, i) => 5000 + i));
    expect((await tailJsonLines(path, 1)).map((l) => l.n)).toEqual([5999]);
  });

  it('continues into the newest rotated files across the rotation boundary', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(`${path}.2020-01-01T00-00-00-000Z`, line(1) + line(2));
    writeFileSync(`${path}.2020-01-02T00-00-00-000Z`, line(3) + 'garbage\n' + line(4));
    writeFileSync(`${path}.2020-01-02T00-00-00-000Z-1`, line(5));
    writeFileSync(path, line(6) + line(7));
    expect((await tailJsonLines(path, 4)).map((l) => l.n)).toEqual([4, 5, 6, 7]);
    expect((await tailJsonLines(path, 100)).map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('copes with a missing file, an empty file and no trailing newline', async () => {
    expect(await tailJsonLines(join(dir, 'absent.log'), 10)).toEqual([]);
    writeFileSync(join(dir, 'empty.log'), '');
    expect(await tailJsonLines(join(dir, 'empty.log'), 10)).toEqual([]);
    writeFileSync(join(dir, 'open.log'), line(1) + '{"n":2}');
    expect((await tailJsonLines(join(dir, 'open.log'), 10)).map((l) => l.n)).toEqual([1, 2]);
  });
});
