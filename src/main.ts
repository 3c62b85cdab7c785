import { runCli } from './cli/main.js';

// `npm start` is `gatehouse serve`.
process.exitCode = await runCli(['serve', ...process.argv.slice(2)]);
