import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_MASTER_SECRET } from '../harness/server.js';
import { spawnGatehouse } from '../harness/cli.js';

/** A real `gatehouse serve` child process and what it has printed so far. */
interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  port: number;
  dataDir: string;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

const running: Served[] = [];
afterEach(() => {
  for (const s of running.splice(0)) {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

/** Resolves once `cond` holds; the deadline only guards against hanging forever. */
async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function serve(extraEnv: Record<string, string> = {}): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-serve-'));
  const child = spawnGatehouse(['serve'], {
    APP_ENV: 'test',
    GATEHOUSE_PORT: '0',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_MASTER_SECRET: TEST_MASTER_SECRET,
    GATEHOUSE_LOG_STDOUT: 'true',
    GATEHOUSE_LOG_LEVEL: 'info',
    ...extraEnv,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const s: Served = { child, url: '', port: 0, dataDir, out: () => out, err: () => err, exited };
  running.push(s);
  await until(() => /Gatehouse listening on (http:\/\/\S+)/.test(out) || child.exitCode !== null, 'the listening line', 150_000);
  const m = /Gatehouse listening on (http:\/\/\S+)/.exec(out);
  if (!m) throw new Error(`server did not start:\n${out}\n${err}`);
  s.url = m[1]!;
  s.port = Number(new URL(s.url).port);
  return s;
}

/** JSON log lines the child printed on stdout. */
function logLines(s: Served): Array<Record<string, unknown>> {
  return s
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/**
 * A login whose body is sent in two parts: the request is routed (the server logs it) and then
 * waits for the rest of its body, which the test sends when it chooses. A real route, a real wait.
 */
function slowLogin(s: Served, traceId: string) {
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'a-wrong-password-123' });
  const half = Math.floor(body.length / 2);
  const req = http.request(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-request-id': traceId },
  });
  const response = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
  });
  req.flushHeaders();
  req.write(body.slice(0, half));
  return { response, finish: () => req.end(body.slice(half)) };
}

describe('graceful shutdown of the real server', { timeout: 300_000 }, () => {
  it('on SIGTERM: refuses new connections, finishes the in-flight request, closes, logs `shutdown complete`, exits 0', async () => {
    const s = await serve({ GATEHOUSE_SHUTDOWN_GRACE: '60' });
    const ready = await fetch(`${s.url}/health/ready`);
    expect(ready.status).toBe(200);

    const login = slowLogin(s, 'shutdown-inflight-1');
    // The server has the request (routed, waiting for the body) before the signal is sent.
    await until(() => logLines(s).some((l) => l.msg === 'incoming request' && l.trace_id === 'shutdown-inflight-1'), 'the request to arrive');

    s.child.kill('SIGTERM');
    await until(() => logLines(s).some((l) => l.msg === 'shutdown requested'), 'the shutdown to begin');
    // New connections are refused while the old request is still open.
    let isRefused = false;
    for (let i = 0; i < 200 && !isRefused; i++) {
      isRefused = await refused(s.port);
      if (!isRefused) await new Promise((r) => setTimeout(r, 25));
    }
    expect(isRefused).toBe(true);
    expect(s.child.exitCode).toBeNull(); // still running: it waits for the request

    login.finish();
    const answer = await login.response;
    expect(answer).not.toHaveProperty('error');
    const { status, body } = answer as { status: number; body: string };
    // The route's own answer to an unknown email, not a shutdown error.
    expect(status).toBe(401);
    expect(JSON.parse(body)).toMatchObject({ code: 'invalid_credentials', trace_id: 'shutdown-inflight-1' });

    expect(await s.exited).toBe(0);
    const lines = logLines(s);
    expect(lines.filter((l) => l.msg === 'shutdown complete')).toHaveLength(1);
    // Completed after the request finished, and it was the last line.
    const completed = lines.findIndex((l) => l.msg === 'request completed' && l.trace_id === 'shutdown-inflight-1');
    const done = lines.findIndex((l) => l.msg === 'shutdown complete');
    expect(completed).toBeGreaterThan(-1);
    expect(done).toBeGreaterThan(completed);
    expect(done).toBe(lines.length - 1);
    expect(s.err()).not.toContain('still holds the process open');
    // The app log file has the whole story too.
    expect(readFileSync(join(s.dataDir, 'logs', 'app.log'), 'utf8')).toContain('"msg":"shutdown complete"');
    // The request's event and login-attempt row were still waiting to be batched when the
    // shutdown began: both are in the database.
    const db = new Database(join(s.dataDir, 'gatehouse.db'), { readonly: true });
    try {
      const attempts = db.prepare("select reason from login_attempts where email_normalized = 'nobody@example.com'").all();
      expect(attempts).toEqual([{ reason: 'unknown_email' }]);
      const events = db.prepare("select count(*) as n from events where type = 'login_failed'").get() as { n: number };
      expect(events.n).toBe(1);
    } finally {
      db.close();
    }
  });

  it('on SIGINT with an idle server: exits 0 at once', async () => {
    const s = await serve();
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(logLines(s).filter((l) => l.msg === 'shutdown complete')).toHaveLength(1);
  });

  it('a request that outlives the grace period is cut off, and the process still exits 0', async () => {
    const s = await serve({ GATEHOUSE_SHUTDOWN_GRACE: '1' });
    const login = slowLogin(s, 'shutdown-stuck-1');
    await until(() => logLines(s).some((l) => l.msg === 'incoming request' && l.trace_id === 'shutdown-stuck-1'), 'the request to arrive');
    s.child.kill('SIGTERM');
    // The body never completes; the server gives up on it after the grace period.
    expect(await s.exited).toBe(0);
    expect(await login.response).toHaveProperty('error');
    const lines = logLines(s);
    expect(lines.some((l) => l.msg === 'grace period over: closing remaining connections')).toBe(true);
    expect(lines.filter((l) => l.msg === 'shutdown complete')).toHaveLength(1);
    // Only the cut-off request may still be reported after it (its body parser notices the abort late).
    const after = lines.slice(lines.findIndex((l) => l.msg === 'shutdown complete') + 1);
    for (const l of after) expect(l.trace_id).toBe('shutdown-stuck-1');
  });
});
