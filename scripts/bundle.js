// Part of `npm run build`: the server as a few minified ES modules (dist/bundle/) instead of ~2,000
// files. A process holds the source text of every module it loads, and one holding a non-ASCII
// character is kept at two bytes per character; loading one tree-shaken, ASCII-escaped bundle
// keeps ~7 MB less resident (bench/README.md). The image and the benchmark run it.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Packages left to node_modules: native addons, drivers loaded only for their back end, and
 * packages that read files next to their own modules at run time (geo data, Swagger UI assets).
 */
const external = ['better-sqlite3', '@node-rs/argon2', 'pg', 'ioredis', 'juice', 'fast-geoip', '@fastify/swagger-ui'];

// Bundled CommonJS dependencies still call require() and read __dirname; ES modules have neither.
const banner = [
  "import { createRequire as __gatehouseRequire } from 'node:module';",
  "import { fileURLToPath as __gatehousePath } from 'node:url';",
  "import { dirname as __gatehouseDirname } from 'node:path';",
  'const require = __gatehouseRequire(import.meta.url);',
  'const __filename = __gatehousePath(import.meta.url);',
  'const __dirname = __gatehouseDirname(__filename);',
].join(' ');

/** Writes main.js (`gatehouse serve`), cli.js (exports runCli) and their shared chunks to `outdir`. */
export async function bundle(outdir = join(root, 'dist', 'bundle')) {
  // Chunk names carry content hashes: without this, each build would leave the last one's behind.
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts' },
    outdir,
    bundle: true,
    splitting: true, // lazily imported capabilities (passkeys, password dictionaries) stay separate chunks
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: true, // error classes and plugins keep their names in logs
    sourcemap: 'linked',
    external,
    banner: { js: banner },
    logLevel: 'warning',
  });
  // Read next to the module that needs it (src/mail/stylesheet.ts), so next to the chunks.
  copyFileSync(join(root, 'src', 'mail', 'styles.css'), join(outdir, 'styles.css'));
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(process.argv[2]);
