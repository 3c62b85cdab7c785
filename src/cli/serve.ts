import { loadConfig } from '../config/load.js';
import type { Command } from './io.js';

/** After a clean shutdown the process should end by itself; if a stray handle keeps it alive, this ends it. */
const EXIT_WATCHDOG_MS = 5000;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the HTTP server (migrates the database first unless migrate_on_start=false)',
  usage: `Usage: gatehouse serve [--help]

Starts Gatehouse with the configuration from defaults, GATEHOUSE_CONFIG, GATEHOUSE_* variables
and *_FILE secrets, and prints where it listens. SIGTERM or SIGINT shut it down gracefully: no new
connections, in-flight requests finish within GATEHOUSE_SHUTDOWN_GRACE seconds, then the database
and cache close and the process exits 0. Exits 2 when the configuration is invalid.`,
  async run(_args, io) {
    // An invalid configuration is reported by runCli (exit 2).
    const config = loadConfig(io.env);
    // Listen for the signals before starting, so one that arrives during start-up is not fatal:
    // the server finishes starting, then shuts down cleanly.
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    // Loaded here, not at the top: `gatehouse --help` and the other commands need none of the app.
    const { startServer } = await import('../server.js');
    const server = await startServer(config, { print: io.out });
    const log = server.container.logger;
    // Last resort: a stray rejection is logged with its stack and the server keeps answering.
    const onRejection = (err: unknown) => log.error({ err }, 'unhandled promise rejection');
    process.on('unhandledRejection', onRejection);
    log.info({ signal: await signalled }, 'shutdown requested');
    await server.stop();
    process.off('unhandledRejection', onRejection);
    setTimeout(() => {
      io.err('shutdown: something still holds the process open; exiting anyway');
      process.exit(0);
    }, EXIT_WATCHDOG_MS).unref();
    return 0;
  },
};
