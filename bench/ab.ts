/**
 * A/B of two builds on this machine, for changes smaller than the spread between two runs:
 *
 *   tsx bench/ab.ts --a DIR --b DIR [--pairs 5] [--only me,status] [--duration 6] [--postgres] [--redis]
 *                   [--b-node-arg FLAG]… [--b-server-env NAME=VALUE]…
 *
 * Each DIR holds one build's `dist/` (e.g. `npm run build && mkdir -p /tmp/gh-a && cp -r dist /tmp/gh-a/`).
 * `--b-node-arg` / `--b-server-env` (repeatable) give B's server extra node flags or environment, so
 * one build can be set against itself with a flag (A and B may then name the same DIR).
 * The builds run in alternating order (A B, then B A, …) so the VM's drift falls on both sides, each
 * run being one `bench/run.ts --server-dir DIR` (a partial run: latest.json is left alone). Prints,
 * per phase, every run's server CPU per request and req/s, the medians, and in how many pairs B
 * used less CPU per request than A, and the main thread's CPU per request; then the memory figures.
 * Nothing here is asserted by `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cliArgs } from './cli-args.js';
import type { LoadResult, MemoryFigures } from './result-types.js';

type Run = Record<string, LoadResult>;

const { flag, strOpt, repeated } = cliArgs();
const PAIRS = Number(strOpt('pairs') ?? 5);
const passThrough = [
  ...['only', 'duration', 'connections'].flatMap((o) => (strOpt(o) ? [`--${o}`, strOpt(o)!] : [])),
  ...['postgres', 'redis', 'unbundled'].filter(flag).map((f) => `--${f}`),
];
// --b-node-arg X → --node-arg X for B's runs only (likewise --b-server-env).
const bOnly = [...repeated('b-node-arg').flatMap((v) => ['--node-arg', v]), ...repeated('b-server-env').flatMap((v) => ['--server-env', v])];

/** A build directory, checked, with node_modules reachable from its bundle (external packages resolve upward from it). */
function buildDir(name: 'a' | 'b'): string {
  const dir = strOpt(name);
  if (!dir) throw new Error(`--${name} DIR is required (a directory holding a build's dist/)`);
  const abs = resolve(dir);
  if (!existsSync(join(abs, 'dist/bundle/main.js'))) throw new Error(`${abs}/dist/bundle/main.js not found: copy a build's dist/ there`);
  if (!existsSync(join(abs, 'node_modules'))) symlinkSync(resolve('node_modules'), join(abs, 'node_modules'));
  return abs;
}

function runOnce(dir: string, extra: string[]): { phases: Run; memory: MemoryFigures } {
  const r = spawnSync(resolve('node_modules/.bin/tsx'), ['bench/run.ts', '--server-dir', dir, ...passThrough, ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`bench/run.ts --server-dir ${dir} failed (${r.status ?? r.signal})`);
  const { scenarios, memory } = JSON.parse(readFileSync('bench/results/partial.json', 'utf8')) as { scenarios: Run; memory: MemoryFigures };
  // Phases left out by --only are in the file with no requests.
  return { phases: Object.fromEntries(Object.entries(scenarios).filter(([, p]) => p.requests > 0)), memory };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function main() {
  const a = buildDir('a');
  const b = buildDir('b');
  const runs: { a: Run[]; b: Run[] } = { a: [], b: [] };
  const memory: { a: MemoryFigures[]; b: MemoryFigures[] } = { a: [], b: [] };
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const side of order) {
      console.log(`pair ${i + 1}/${PAIRS}: ${side.toUpperCase()} (${side === 'a' ? a : b})`);
      const r = runOnce(side === 'a' ? a : b, side === 'b' ? bOnly : []);
      runs[side].push(r.phases);
      memory[side].push(r.memory);
    }
  }
  const phases = Object.keys(runs.a[0] ?? {});
  console.log(`\nserver CPU µs per request (lower is better) and req/s; ${PAIRS} pairs, alternating order`);
  for (const phase of phases) {
    // One figure of this phase, per run of one side.
    const figures = (side: 'a' | 'b', pick: (r: LoadResult) => number) => runs[side].map((r) => pick(r[phase]!));
    const ratio = (pick: (r: LoadResult) => number) => (median(figures('b', pick)) / median(figures('a', pick))).toFixed(3);
    const serverCpu = (r: LoadResult) => r.server_cpu_us_per_request ?? 0;
    const mainCpu = (r: LoadResult) => r.main_thread_cpu_us_per_request ?? 0;
    const rps = (r: LoadResult) => Math.round(r.rps);
    const aCpu = figures('a', serverCpu);
    const bLower = figures('b', serverCpu).filter((x, i) => x < aCpu[i]!).length;
    console.log(`\n${phase}`);
    for (const side of ['a', 'b'] as const) {
      const cpu = figures(side, serverCpu);
      const reqs = figures(side, rps);
      console.log(`  ${side.toUpperCase()} cpu ${cpu.join(' / ')}  median ${median(cpu)};  req/s ${reqs.join(' / ')}  median ${median(reqs)}`);
    }
    console.log(`  B/A median cpu ${ratio(serverCpu)}; B used less CPU in ${bLower} of ${PAIRS} pairs`);
    console.log(`  main thread µs per request: A ${figures('a', mainCpu).join(' / ')} · B ${figures('b', mainCpu).join(' / ')}; B/A median ${ratio(mainCpu)}`);
    const disk = (r: LoadResult) => r.disk_write_bytes_per_request ?? 0;
    if (median(figures('a', disk)) > 0) console.log(`  disk B written per request: A ${figures('a', disk).join(' / ')} · B ${figures('b', disk).join(' / ')}; B/A median ${ratio(disk)}`);
  }
  console.log('\nmemory, MB: idle 2 s after seeding / settled; peak');
  for (const side of ['a', 'b'] as const) {
    console.log(`  ${side.toUpperCase()} ${memory[side].map((m) => `${m.idle_rss_mb} / ${m.idle_settled_rss_mb}; ${m.peak_rss_mb}`).join('  ·  ')}`);
  }
}

main();
