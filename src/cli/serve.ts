import { ConfigError, loadConfig } from '../config/load.js';
import { startServer } from '../server.js';
import type { Command } from './io.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the HTTP server (migrates the database first unless migrate_on_start=false)',
  usage: `Usage: gatehouse serve [--help]

Starts Gatehouse with the configuration from defaults, GATEHOUSE_CONFIG, GATEHOUSE_* variables
and *_FILE secrets. SIGTERM or SIGINT shut it down gracefully.`,
  async run(_args, io) {
    let config;
    try {
      config = loadConfig(io.env);
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(e.message);
        return 2;
      }
      throw e;
    }
    const server = await startServer(config, { print: io.out });
    const log = server.container.logger;
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        log.info({ signal }, 'shutdown requested');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    await server.stop();
    log.info('shutdown complete');
    return 0;
  },
};
