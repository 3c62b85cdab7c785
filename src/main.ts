import { setFlagsFromString } from 'node:v8';

// Before the module graph loads: V8 then keeps its young generation small and shrinks the heap
// after start-up instead of holding what loading needed (idle RSS ≈ 140 → 100 MB, bench/README.md).
setFlagsFromString('--optimize-for-size');
const { runCli } = await import('./cli/main.js');

// `npm start` is `gatehouse serve`.
process.exitCode = await runCli(['serve', ...process.argv.slice(2)]);
