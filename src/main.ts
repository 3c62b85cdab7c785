import { setFlagsFromString } from 'node:v8';

// Before the module graph loads: V8 then keeps its young generation small and shrinks the heap
// after start-up instead of holding what loading needed (idle RSS ≈ 140 → 100 MB, bench/README.md).
setFlagsFromString('--optimize-for-size');
// V8's memory reducer gives back what start-up grew once the process has been quiet this long (its
// default is 8 s, so an idle server held ≈ 16 MB more for its first seconds: bench/README.md item 43).
setFlagsFromString('--gc-memory-reducer-start-delay-ms=1000');
const { runCli } = await import('./cli/main.js');

// `npm start` is `gatehouse serve`.
process.exitCode = await runCli(['serve', ...process.argv.slice(2)]);
