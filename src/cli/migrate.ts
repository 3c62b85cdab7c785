import { loadConfig } from '../config/load.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Command } from './io.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations and exit',
  usage: `Usage: gatehouse migrate [--help]

Creates the database if needed (SQLite) and applies every pending migration, printing each step.`,
  async run(_args, io) {
    // An invalid configuration is reported by runCli (exit 2).
    const config = loadConfig(io.env);
    const db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
    try {
      io.out(`database: ${db.location}`);
      await migrateToLatest(db, io.out);
      return 0;
    } catch (e) {
      io.err(`migration failed: ${(e as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
