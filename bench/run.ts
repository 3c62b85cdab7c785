/**
 * `npm run bench`: a self-contained benchmark on 127.0.0.1. Starts Gatehouse (SQLite by default;
 * --postgres / --redis switch the backends) and a bare Fastify ceiling, seeds a user through the
 * CLI, drives each scenario with autocannon in a separate process, samples memory, prints a table
 * and writes bench/results/latest.json. Every phase is time-bounded; everything started is stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Algorithm, hash } from '@node-rs/argon2';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { freePort } from '../test/harness/server.js';
import { cliArgs } from './cli-args.js';
import type { LoadResult, MemoryFigures } from './result-types.js';

const { args, flag, strOpt, repeated } = cliArgs();
const opt = (name: string, def: number) => Number(strOpt(name) ?? def);
const DURATION = opt('duration', 10);
const CONNECTIONS = opt('connections', 32);
// --rate N: every phase is held to N requests/s in all (autocannon's overallRate), so that a path can
// be measured at a given rate (item 39: a login's main thread at 100/s); 0, the default, is flat out.
const RATE = opt('rate', 0);
const PG_BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_BASE = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
// --only login,me,refresh,status: run just those phases (the ceiling always runs; profiling aid).
const ONLY = strOpt('only')?.split(',');
const runs = (phase: string) => !ONLY || ONLY.includes(phase);
// --cpu-prof DIR: the server writes a V8 CPU profile there when it stops (see bench/profile-summary.ts).
const CPU_PROF = strOpt('cpu-prof');
// The server runs from the production bundle (dist/bundle/main.js, as the image does); --unbundled
// runs tsc's one-file-per-module output instead, so a CPU profile can be summed per package.
// --server-dir DIR: run the server from DIR/dist instead (another build, for bench/ab.ts); implies
// --no-build, and the figures go to partial.json so that latest.json stays this checkout's.
const SERVER_DIR = strOpt('server-dir');
const SERVER_ENTRY = join(SERVER_DIR ?? '.', flag('unbundled') ? 'dist/main.js' : 'dist/bundle/main.js');
/**
 * The seeding CLI: the checkout's, or with --server-dir that build's own. The CLI migrates the
 * database it opens, so the checkout's CLI would give an A/B pair's older build the newer schema.
 */
const cliEntry = (): string[] => {
  if (!SERVER_DIR) return ['bin/gatehouse.js'];
  const cli = pathToFileURL(resolve(SERVER_DIR, 'dist/bundle/cli.js')).href;
  return ['--input-type=module', '-e', `const { runCli } = await import(${JSON.stringify(cli)}); process.exitCode = await runCli(process.argv.slice(1));`];
};

// The whole run is bounded: a stuck phase cannot keep the machine busy.
const watchdog = setTimeout(() => {
  console.error('benchmark exceeded its time bound; stopping');
  void shutdown(1);
}, 270_000);

async function shutdown(code: number): Promise<never> {
  clearTimeout(watchdog);
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const f of cleanups.reverse()) await f();
  process.exit(code);
}

function startProcess(cmd: string, argv: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code}: ${out}`)));
  });
}

/**
 * CPU seconds used so far in user space and in the kernel, from /proc (clock ticks of 10 ms): the
 * whole process, or with `mainThread` only its JavaScript thread (whose tid is the pid), without
 * the libuv pool (argon2), GC and compiler threads.
 */
const cpuTimes = (pid: number, mainThread = false) => {
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
};
type CpuTimes = ReturnType<typeof cpuTimes>;
/** User and kernel seconds between two readings. */
const cpuSince = (before: CpuTimes, after: CpuTimes) => ({ user: after.user - before.user, system: after.system - before.system });

/**
 * Bytes this process has caused to be sent to storage so far (`write_bytes` of /proc/PID/io: pages
 * it dirtied in files — the WAL, the database, its checkpoints — not socket writes). 0 when the
 * kernel keeps no I/O accounting.
 */
const diskWriteBytes = (pid: number) => {
  try {
    return Number(/write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** Runs one load phase; with `pid`, also reports that server's CPU time and disk writes per request. */
function runLoad(scenario: Record<string, unknown>, pid?: number): Promise<LoadResult> {
  const cpuBefore = pid ? cpuTimes(pid) : undefined;
  const mainBefore = pid ? cpuTimes(pid, true) : undefined;
  const diskBefore = pid ? diskWriteBytes(pid) : 0;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(scenario)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load exited ${code}`));
      const r = JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
      if (pid && cpuBefore && mainBefore && r.requests > 0) {
        const perRequestUs = (t: CpuTimes) => Math.round(((t.user + t.system) / r.requests) * 1e6);
        r.server_cpu_us_per_request = perRequestUs(cpuSince(cpuBefore, cpuTimes(pid)));
        const main = cpuSince(mainBefore, cpuTimes(pid, true));
        r.main_thread_cpu_us_per_request = perRequestUs(main);
        // The kernel's share (socket reads and writes, file locks, WAL writes): the rest is JavaScript and V8.
        const total = main.user + main.system;
        if (total > 0) r.main_thread_system_pct = Math.round((main.system / total) * 100);
        r.disk_write_bytes_per_request = Math.round((diskWriteBytes(pid) - diskBefore) / r.requests);
      }
      resolve(r);
    });
  });
}

type HashOptions = NonNullable<Parameters<typeof hash>[1]>;

/** The argon2 parameters the server runs with: its own config, loaded from the same environment. */
function serverArgon2(env: NodeJS.ProcessEnv): HashOptions {
  const { password } = loadConfig(env);
  return {
    algorithm: Algorithm.Argon2id,
    memoryCost: password.argon2_memory_kib,
    timeCost: password.argon2_iterations,
    parallelism: password.argon2_parallelism,
  };
}

/** Hashes per second with `loops` hash loops running at once for `ms`. */
async function parallelHashRate(params: HashOptions, loops: number, ms: number): Promise<number> {
  const start = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: loops }, async (_, l) => {
      while (performance.now() - start < ms) await hash(`parallel ${l} ${done++}`, params);
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

const SKIPPED: LoadResult = { requests: 0, rps: 0, p50: 0, p99: 0, errors: 0, broken_chains: 0 };
const phase = (name: string, run: () => Promise<LoadResult>) => (runs(name) ? run() : Promise.resolve(SKIPPED));

const memKb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return { status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown>, headers: r.headers };
}

async function main() {
  // The machine may be shared: the load average beside the figures says how much it was.
  const loadAtStart = loadavg()[0]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ENV: 'development',
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_PUBLIC_URL: base,
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_MASTER_SECRET: randomBytes(32).toString('base64url'),
    GATEHOUSE_LOG_STDOUT: 'false',
    GATEHOUSE_LOG_LEVEL: 'warn',
    // General limits off for the run; the login limiter only counts failures, and there are none.
    GATEHOUSE_RATE_LIMIT_PER_IP: '0',
    // The login flow's per-IP request limit (300 a minute) too: one load phase sends thousands of
    // logins from 127.0.0.1, and each 429 would count toward the IP's brute-force ladder.
    GATEHOUSE_PROTECTION_LOGIN_PER_IP: '0',
    GATEHOUSE_MFA_REQUIRED_ROLES: '',
    // As the image sets it (Dockerfile): two glibc malloc arenas instead of one per thread.
    MALLOC_ARENA_MAX: '2',
  };
  // --server-env NAME=VALUE (repeatable): extra environment for the server, for A/B experiments.
  for (const pair of repeated('server-env')) {
    const kv = /^([A-Za-z_]\w*)=(.*)$/.exec(pair);
    if (kv) env[kv[1]!] = kv[2]!;
  }
  if (flag('postgres')) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: PG_BASE });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    cleanups.push(async () => {
      const d = new pg.Client({ connectionString: PG_BASE });
      await d.connect();
      await d.query(`drop schema if exists ${schema} cascade`);
      await d.end();
    });
    const u = new URL(PG_BASE);
    u.searchParams.set('schema', schema);
    env.DATABASE_URL = u.toString();
  }
  if (flag('redis')) {
    env.REDIS_URL = REDIS_BASE;
    env.GATEHOUSE_REDIS_PREFIX = `gh-bench:${randomBytes(4).toString('hex')}:`;
  }

  // Measure what production runs: the compiled build, not the TypeScript loader.
  if (!flag('no-build') && !SERVER_DIR) {
    console.log('building dist/ (npm run build)');
    const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', timeout: 120_000 });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  console.log(`starting Gatehouse (${env.DATABASE_URL ? 'Postgres' : 'SQLite'}, ${env.REDIS_URL ? 'Redis' : 'in-process cache'}) on ${base}`);
  // As the image starts it (Dockerfile CMD): an 8 MB young generation from the start (item 34).
  const nodeArgs = ['--min-semi-space-size=8', ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [])];
  // --node-arg FLAG (repeatable): extra flags for the server's node, e.g. --perf-basic-prof for `perf record`.
  nodeArgs.push(...repeated('node-arg'));
  const gh = await startProcess(process.execPath, [...nodeArgs, SERVER_ENTRY], env, /Gatehouse listening on/);
  const pid = gh.child.pid!;

  // Seed through the CLI: one user; the password arrives on stdin.
  const email = 'bench@example.com';
  const password = `load test ${randomBytes(12).toString("base64url")} phrase`;
  await new Promise<void>((resolve, reject) => {
    const cli = spawn(process.execPath, [...cliEntry(), 'admin', 'create', '--email', email, '--name', 'Bench User'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d));
    cli.stderr.on('data', (d: Buffer) => (out += d));
    cli.stdin.end(`${password}\n`);
    cli.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`admin create failed: ${out}`))));
  });

  await new Promise((r) => setTimeout(r, 2000));
  const idleRssMb = memKb(pid, 'VmRSS') / 1024;
  // V8's memory reducer shrinks the heap some seconds after start-up work stops: the RSS an operator
  // sees on an idle server. Measured as well, 15 s after seeding, before any load.
  await new Promise((r) => setTimeout(r, 13_000));
  const settledRssMb = memKb(pid, 'VmRSS') / 1024;

  // Ceiling: bare Fastify, same machine, same load settings.
  const ceilingPort = await freePort();
  const ceiling = await startProcess(process.execPath, ['bench/ceiling-server.mjs', String(ceilingPort)], env, /listening/);
  const load = { connections: CONNECTIONS, duration: DURATION, ...(RATE ? { rate: RATE } : {}) };
  console.log('ceiling: bare Fastify hello');
  const ceilingResult = await runLoad({ ...load, url: `http://127.0.0.1:${ceilingPort}/`, method: 'GET' }, ceiling.child.pid);
  ceiling.child.kill('SIGTERM');

  // argon2 ceiling: cores ÷ median time of one hash at the configured parameters.
  const ARGON2 = serverArgon2(env);
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = process.hrtime.bigint();
    await hash(`sample password ${i}`, ARGON2);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const hashMs = times[Math.floor(times.length / 2)]!;
  const cores = availableParallelism();
  const argonCeiling = cores / (hashMs / 1000);
  // What the cores really give when every one of them hashes at once (memory bandwidth and shared
  // caches slow each hash down): one hash loop per core for 3 s, nothing else running.
  const argonParallel = await parallelHashRate(ARGON2, cores, 3000);

  console.log('login: POST /api/v1/auth/login');
  const loginBody = JSON.stringify({ email, password });
  const loginResult = await phase('login', () => runLoad({ ...load, url: `${base}/api/v1/auth/login`, method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody }, pid));

  const tokenPair = async () => {
    const r = await json(`${base}/api/v1/auth/token`, { method: 'POST', body: loginBody });
    if (r.status !== 200) throw new Error(`token login failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { access_token: string; refresh_token: string };
  };
  const { access_token } = await tokenPair();
  console.log('authenticated: GET /api/v1/me with a bearer token');
  const meResult = await phase('me', () => runLoad({ ...load, url: `${base}/api/v1/me`, method: 'GET', headers: { authorization: `Bearer ${access_token}` } }, pid));

  const refreshTokens: string[] = [];
  for (let i = 0; i < CONNECTIONS * 2; i++) refreshTokens.push((await tokenPair()).refresh_token);
  console.log('refresh: POST /api/v1/auth/refresh, one rotating chain per connection');
  const refreshResult = await phase('refresh', () => runLoad({ ...load, url: `${base}/api/v1/auth/refresh`, method: 'POST', refreshTokens }, pid));

  const cookieLogin = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody });
  const cookie = (cookieLogin.headers.get('set-cookie') ?? '').split(';')[0]!;
  console.log('session check: GET /api/v1/auth/status with the session cookie');
  const statusResult = await phase('status', () => runLoad({ ...load, url: `${base}/api/v1/auth/status`, method: 'GET', headers: { cookie } }, pid));

  const peakRssMb = memKb(pid, 'VmHWM') / 1024;
  const exited = new Promise((r) => gh.child.once('exit', r));
  gh.child.kill('SIGTERM');
  await exited; // a CPU profile is written as the server exits

  const ratio = (x: number, y: number) => Math.round((x / y) * 1000) / 10;
  const results = {
    date: new Date().toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    machine: {
      cores,
      cpu: cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      load_average_1m: { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
    },
    note: 'The load generator (autocannon, its own process) shares the same cores with the server.',
    backend: { database: env.DATABASE_URL ? 'postgres' : 'sqlite', cache: env.REDIS_URL ? 'redis' : 'memory' },
    settings: { connections: CONNECTIONS, duration_s: DURATION, ...(RATE ? { rate: RATE } : {}), argon2: { memory_kib: ARGON2.memoryCost, iterations: ARGON2.timeCost, parallelism: ARGON2.parallelism } },
    scenarios: {
      ceiling: ceilingResult,
      login: { ...loginResult, argon2_hash_ms: hashMs, argon2_ceiling_rps: argonCeiling, ratio_to_argon2_ceiling_pct: ratio(loginResult.rps, argonCeiling), argon2_parallel_rps: argonParallel, ratio_to_argon2_parallel_pct: ratio(loginResult.rps, argonParallel) },
      authenticated: { ...meResult, ratio_to_ceiling_pct: ratio(meResult.rps, ceilingResult.rps) },
      refresh: refreshResult,
      session_check: { ...statusResult, ratio_to_ceiling_pct: ratio(statusResult.rps, ceilingResult.rps) },
    },
    memory: { idle_rss_mb: Math.round(idleRssMb), idle_settled_rss_mb: Math.round(settledRssMb), peak_rss_mb: Math.round(peakRssMb) },
  };
  mkdirSync('bench/results', { recursive: true });
  // Only a full run of this checkout's build, as it ships, replaces the recorded figures; a partial
  // or experimental one is kept beside them, and a run on other back ends has its own file
  // (latest-postgres-redis.json, …).
  const backends = [flag('postgres') && 'postgres', flag('redis') && 'redis'].filter(Boolean);
  const experimental = ONLY || SERVER_DIR || flag('unbundled') || RATE || CPU_PROF || repeated('server-env').length > 0 || repeated('node-arg').length > 0;
  const resultFile = `bench/results/${experimental ? 'partial' : ['latest', ...backends].join('-')}.json`;
  writeFileSync(resultFile, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results.scenarios as unknown as Record<string, LoadResult & Record<string, unknown>>, results.memory, { hashMs, argonCeiling });
  console.log(`\n${results.note}\nload average (1 min) at start ${results.machine.load_average_1m.start}, at end ${results.machine.load_average_1m.end}`);
  console.log(`results written to ${resultFile}`);
}

function printTable(s: Record<string, LoadResult & Record<string, unknown>>, mem: MemoryFigures, a: { hashMs: number; argonCeiling: number }) {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU µs/req', 'main thread µs/req (kernel)', 'disk B/req', 'ratio']];
  const mainThread = (r: LoadResult) =>
    r.main_thread_cpu_us_per_request === undefined ? '' : `${r.main_thread_cpu_us_per_request} (${r.main_thread_system_pct ?? 0}%)`;
  const pct = (v: unknown, of: string) => (typeof v === 'number' ? `${v}% of ${of}` : '');
  const row = (label: string, r: LoadResult, ratio = '') =>
    rows.push([label, f(r.rps), f(r.p50), f(r.p99), String(r.errors), String(r.server_cpu_us_per_request ?? ''), mainThread(r), String(r.disk_write_bytes_per_request ?? ''), ratio]);
  row('ceiling (bare Fastify)', s.ceiling!);
  row('login (argon2id)', s.login!, `${pct(s.login!.ratio_to_argon2_ceiling_pct, `argon2 ceiling ${f(a.argonCeiling)}/s (${f(a.hashMs)} ms/hash)`)}; ${pct(s.login!.ratio_to_argon2_parallel_pct, `${f(s.login!.argon2_parallel_rps as number)}/s of parallel hashing alone`)}`);
  row('GET /me (bearer)', s.authenticated!, pct(s.authenticated!.ratio_to_ceiling_pct, 'ceiling'));
  row('refresh (rotation)', s.refresh!);
  row('GET /auth/status (cookie)', s.session_check!, pct(s.session_check!.ratio_to_ceiling_pct, 'ceiling'));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`memory: idle RSS ${mem.idle_rss_mb} MB 2 s after seeding, ${mem.idle_settled_rss_mb} MB after 15 s; peak RSS ${mem.peak_rss_mb} MB`);
}
const f = (n: number) => (n >= 100 ? String(Math.round(n)) : n.toFixed(1));

main().then(
  () => shutdown(0),
  (err: unknown) => {
    console.error(err);
    return shutdown(1);
  },
);
