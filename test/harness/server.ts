import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { App } from '../../src/app.js';
import type { Container } from '../../src/container.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { FakeClock, type Clock } from '../../src/shared/clock.js';
import { freshPostgresSchema, freshRedisPrefix, REDIS_BASE, type BackendName } from './backends.js';
import { Client } from './client.js';

export const TEST_MASTER_SECRET = 'test-master-secret-0123456789-abcdefghijklmnop';

export interface TestServerOptions {
  backend?: BackendName;
  /** Use the machine's Redis (with a fresh prefix) instead of the in-process cache. */
  redis?: boolean;
  /** Config keys set over the test profile. */
  config?: Record<string, unknown>;
  /** Move time by hand; omitted = real clock. */
  clock?: Clock;
  /** Reuse a database (two servers on one database): the URL from another TestServer. */
  databaseUrl?: string;
  redisPrefix?: string;
  /** Adds routes or hooks to the app before it listens (the app the test builds is its own). */
  extend?: (app: App, container: Container) => void | Promise<void>;
}

export interface TestServer {
  url: string;
  config: Config;
  server: RunningServer;
  clock: Clock;
  /** Every log line written, parsed (for trace id and redaction assertions). */
  logs: Array<Record<string, unknown>>;
  databaseUrl: string | null;
  redisPrefix: string;
  client(localAddress?: string): Client;
  close(): Promise<void>;
}

/** Starts a real Gatehouse on 127.0.0.1:<free port> with a fresh data dir and database. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  let dropSchema: (() => Promise<void>) | undefined;
  let databaseUrl: string | null = opts.databaseUrl ?? null;
  if (!databaseUrl && opts.backend === 'postgres') {
    const fresh = await freshPostgresSchema();
    databaseUrl = fresh.url;
    dropSchema = fresh.drop;
  }
  const redisPrefix = opts.redisPrefix ?? freshRedisPrefix();
  // The public URL must be the real one (CSRF origin, mail links, token issuer), so pick the port first.
  const port = await freePort();
  const config = loadConfig(
    {},
    {
      app_env: 'test',
      port,
      public_url: `http://127.0.0.1:${port}`,
      data_dir: dataDir,
      database_url: databaseUrl,
      redis_url: opts.redis ? REDIS_BASE : null,
      redis_prefix: redisPrefix,
      master_secret: TEST_MASTER_SECRET,
      ...opts.config,
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  const capture = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const clock = opts.clock ?? new FakeClock(Date.now());
  const server = await startServer(config, { clock: opts.clock, logStream: capture, print: () => {}, beforeListen: opts.extend });
  return {
    url: server.url,
    config,
    server,
    clock,
    logs,
    databaseUrl,
    redisPrefix,
    client: (localAddress) => new Client(server.url, localAddress),
    async close() {
      await server.stop();
      await dropSchema?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
