import { loadConfig } from '../config/load.js';
import { openDatabase } from '../db/connect.js';
import { createProtectionStore } from '../protection/store.js';
import type { Command } from './io.js';

/**
 * The way back in after locking everyone out with network rules or a blacklist entry: the admin
 * API refuses changes that cut off the caller's own address, but not, say, rules that deny the
 * office network the admin later works from. Works on the database directly, so it needs no login.
 */
export const protectionResetCommand: Command = {
  name: 'protection reset',
  summary: 'Delete every network rule and/or blacklist entry (recovery from a lock-out)',
  usage: `Usage: gatehouse protection reset [--rules] [--blacklist] [--help]

Deletes every network rule (--rules), every blacklist entry, manual and automatic (--blacklist),
or both when neither is given. Running servers pick the change up within
protection.refresh_interval seconds (default 30).`,
  async run(args, io) {
    const unknown = args.find((a) => a !== '--rules' && a !== '--blacklist');
    if (unknown) {
      io.err(`unknown option ${unknown}\n\n${protectionResetCommand.usage}`);
      return 2;
    }
    const both = args.length === 0;
    // An invalid configuration is reported by runCli (exit 2).
    const config = loadConfig(io.env);
    const db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
    try {
      const store = createProtectionStore(db.kysely);
      if (both || args.includes('--rules')) {
        const n = (await store.rules()).length;
        await store.replaceRules([]);
        io.out(`network rules: deleted ${n}`);
      }
      if (both || args.includes('--blacklist')) io.out(`blacklist entries: deleted ${await store.clearBlacklist()}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
