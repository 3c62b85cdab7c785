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
  /** Stops accepting, lets in-flight requests finish within the grace period, closes db and cache. */
  stop(): Promise<void>;
}

/** Builds everything from a config and listens. Used by `gatehouse serve` and by tests. */
export async function startServer(
  config: Config,
  opts: { clock?: Clock; logger?: Logger; print?: (line: string) => void } = {},
): Promise<RunningServer> {
  const handle = opts.logger ? undefined : createLogger(config);
  const logger = opts.logger ?? handle!.logger;
  const print = opts.print ?? ((line: string) => logger.info(line));
  const container = await createContainer(config, { clock: opts.clock, logger, report: print });
  let app: App;
  try {
    app = await buildApp(container);
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await container.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  print(`Gatehouse listening on ${url} (public URL ${config.public_url}, database ${container.db.location}, cache ${container.cache.kind})`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const grace = setTimeout(() => {
        logger.warn('grace period over: closing remaining connections');
        app.server.closeAllConnections();
      }, config.shutdown_grace * 1000);
      grace.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
        await container.close();
        handle?.close();
      }
    })());
  return { app, container, url, stop };
}
