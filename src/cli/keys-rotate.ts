import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { resolveMasterSecret } from '../config/master-secret.js';
import { Keyring } from '../crypto/keyring.js';
import { openDatabase } from '../db/connect.js';
import { createEventService } from '../events/service.js';
import { createEventStore } from '../events/store.js';
import { createKeyService } from '../keys/service.js';
import { createKeyStore } from '../keys/store.js';
import { signingAlgs, type SigningAlg } from '../keys/tables.js';
import { isoTime, systemClock } from '../shared/clock.js';
import type { Command } from './io.js';

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary: 'Make a new signing key the signer; the previous one keeps verifying until its tokens expire',
  usage: `Usage: gatehouse keys rotate [--alg EdDSA|ES256|RS256] [--help]

Creates a new signing key for the algorithm (default: tokens.algorithm) and makes it the active
signer. The previous key stays in the JWKS and keeps verifying until every token it signed has
expired, then retires. Running servers pick the new key up within seconds.
Prints the new key id on stdout; details go to stderr.`,
  async run(args, io) {
    let alg: SigningAlg | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const value = a === '--alg' ? args[++i] : a.startsWith('--alg=') ? a.slice('--alg='.length) : undefined;
      if (value === undefined || !signingAlgs.includes(value as SigningAlg)) {
        io.err(`${a === '--alg' || a.startsWith('--alg=') ? `--alg must be one of ${signingAlgs.join(', ')}` : `unknown option ${a}`}\n\n${keysRotateCommand.usage}`);
        return 2;
      }
      alg = value as SigningAlg;
    }
    // An invalid configuration is reported by runCli (exit 2).
    const config = loadConfig(io.env);
    const master = resolveMasterSecret(config);
    const keyring = new Keyring(master.secret, config.master_secret_previous);
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
    const events = createEventService({ store: createEventStore(db.kysely), clock: systemClock, logger });
    try {
      const keys = createKeyService({ store: createKeyStore(db.kysely), keyring, clock: systemClock, config, logger, events });
      const r = await keys.rotate(alg ?? config.tokens.algorithm);
      io.out(r.kid);
      io.err(
        r.previousKid
          ? `${r.alg}: ${r.kid} now signs; ${r.previousKid} verifies until ${isoTime(r.previousRetireAfter!)}`
          : `${r.alg}: ${r.kid} now signs (there was no previous key)`,
      );
      return 0;
    } catch (e) {
      io.err(`key rotation failed: ${(e as Error).message}`);
      return 1;
    } finally {
      await events.flush();
      await db.close();
    }
  },
};
