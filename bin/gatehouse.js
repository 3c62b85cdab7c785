#!/usr/bin/env node
// The `gatehouse` command. In a checkout (src/ present) it runs the TypeScript sources through tsx,
// so it never runs a stale build; in the image, which holds only dist/bundle/, it runs the bundle.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// As in src/main.ts: a small young generation and a heap that shrinks soon after start-up.
setFlagsFromString('--optimize-for-size');
setFlagsFromString('--gc-memory-reducer-start-delay-ms=1000');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
let entry;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = pathToFileURL(source).href;
} else {
  entry = pathToFileURL(join(root, 'dist', 'bundle', 'cli.js')).href;
}
const { runCli } = await import(entry);
process.exitCode = await runCli(process.argv.slice(2));
