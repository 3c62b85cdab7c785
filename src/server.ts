import type { Logger } from 'pino';
import { buildApp, type App } from './app.js';
import type { Config } from './config/schema.js';
import { createContainer, type Container } from './container.js';
import { createLogger } from './logging/logger.js';
import type { Clock } from './shared/clock.js';

export interface RunningServer {
  app: App;
  container: Container;
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish within the grace period, closes
   * database and cache, then logs `shutdown complete`. Safe to call more than once.
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Lines for the operator (migration steps, where it listens); default: the log. */
  print?: (line: string) => void;
  /** A further destination for every log line (tests read the lines back from it). */
  logStream?: NodeJS.WritableStream;
  /** Runs after the app is built and before it listens (tests add their own routes here). */
  beforeListen?: (app: App, container: Container) => void | Promise<void>;
}

/** Builds everything from a config and listens. Used by `gatehouse serve` and by tests. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const handle = createLogger(config, opts.logStream);
  const logger: Logger = handle.logger;
  const print = opts.print ?? ((line: string) => logger.info(line));
  let container: Container;
  try {
    container = await createContainer(config, { clock: opts.clock, logger, report: print });
  } catch (err) {
    handle.close();
    throw err;
  }
  let app: App;
  try {
    app = await buildApp(container);
    await opts.beforeListen?.(app, container);
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await container.close();
    handle.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const where = { url, public_url: config.public_url, database: container.db.location, cache: container.cache.kind };
  logger.info(where, 'listening');
  print(`Gatehouse listening on ${url} (public URL ${config.public_url}, database ${where.database}, cache ${where.cache})`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Requests still running when the grace period ends are cut off so shutdown always finishes.
      const grace = setTimeout(() => {
        logger.warn({ grace_seconds: config.shutdown_grace }, 'grace period over: closing remaining connections');
        app.server.closeAllConnections();
      }, config.shutdown_grace * 1000);
      grace.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
        await container.close();
        logger.info('shutdown complete');
        handle.close();
      }
    })());
  return { app, container, url, stop };
}
