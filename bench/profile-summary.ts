/**
 * Summarises a V8 CPU profile written by `npm run bench -- --cpu-prof DIR`: where the server's busy
 * time went, by function (self and inclusive) and by package. Idle time is left out.
 *   tsx bench/profile-summary.ts DIR/file.cpuprofile [top=30] [window=S]
 * With a window, only the S seconds before the last half second count: run one phase with
 * `--only NAME --duration S` and the window is that phase, without start-up and seeding.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, windowArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile & { startTime: number; endTime: number };
// Sample times (µs): the profile's start plus the running sum of deltas.
const times: number[] = [];
profile.timeDeltas.reduce((t, d, i) => (times[i] = t + d), profile.startTime);
const windowEnd = profile.endTime - 500_000;
const windowStart = windowArg ? windowEnd - Number(windowArg) * 1e6 : -Infinity;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/dist/')) return `gatehouse:${url.slice(url.indexOf('/dist/') + 6)}`;
  return url.startsWith('node:') ? 'node' : url || '(native)';
};
const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const pkgOf = (n: ProfileNode) => {
  const w = where(n.callFrame.url);
  return w.startsWith('gatehouse:') ? 'gatehouse' : w;
};

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const pkg = new Map<string, number>();
let busy = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)') return;
  if (times[i]! < windowStart || times[i]! > (windowArg ? windowEnd : Infinity)) return;
  busy += dt;
  add(self, keyOf(node), dt);
  add(pkg, pkgOf(node), dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = keyOf(byId.get(cur)!);
    if (!seen.has(k)) {
      seen.add(k);
      add(inclusive, k, dt);
    }
  }
});

const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((v / busy) * 100).toFixed(1).padStart(6)}%  ${k}`);
};
console.log(`busy ${(busy / 1e6).toFixed(2)} s`);
print('self time by package', pkg, 20);
print('self time by function', self, top);
print('inclusive time by function', inclusive, top);
