// Part of `npm run build`: tsc emits only JavaScript, so copy the other files the code reads at
// run time (stylesheets, templates) from src/ to dist/, keeping their paths.
import { cpSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));
const dist = fileURLToPath(new URL('../dist', import.meta.url));
cpSync(src, dist, {
  recursive: true,
  filter: (path) => statSync(path).isDirectory() || !/\.(ts|tsx|mts|cts)$/.test(path),
});
