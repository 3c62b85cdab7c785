import { loadConfig } from '../config/load.js';
import { resolveMasterSecret } from '../config/master-secret.js';
import { Keyring } from '../crypto/keyring.js';
import { openDatabase } from '../db/connect.js';
import { countOldKeyDependents, reencryptMfaSecrets } from '../mfa/secrets.js';
import { createMfaStore } from '../mfa/store.js';
import { reencryptSigningKeys } from '../keys/secrets.js';
import { createKeyStore } from '../keys/store.js';
import type { Command } from './io.js';

export const secretsRotateCommand: Command = {
  name: 'secrets rotate',
  summary: 'Re-encrypt secrets at rest under the current master secret',
  usage: `Usage: gatehouse secrets rotate [--help]

To change the master secret: set the new one in GATEHOUSE_MASTER_SECRET, put the old one in
GATEHOUSE_MASTER_SECRET_PREVIOUS, restart, run this command, then remove the old secret.
It re-encrypts every TOTP secret and every signing key made under an older master secret with the
current one (AES-256-GCM envelopes carry their master key id). Recovery codes are stored as HMACs and
cannot be re-keyed: the command counts those that still need the old secret (users can make
new sets). Trusted-device cookies signed under the old secret stop skipping MFA once it is removed.
Exits 1 when an envelope could not be decrypted with any configured secret.`,
  async run(args, io) {
    if (args.length) {
      io.err(`unknown option ${args[0]}\n\n${secretsRotateCommand.usage}`);
      return 2;
    }
    // An invalid configuration is reported by runCli (exit 2).
    const config = loadConfig(io.env);
    const keyring = new Keyring(resolveMasterSecret(config).secret, config.master_secret_previous);
    const db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
    try {
      const r = await reencryptMfaSecrets(createMfaStore(db.kysely), keyring);
      io.out(`mfa secrets: ${r.total} checked, ${r.rotated} re-encrypted under master key ${keyring.currentKid}`);
      if (r.failed.length) io.err(`mfa secrets: ${r.failed.length} could not be decrypted (methods ${r.failed.join(', ')})`);
      const k = await reencryptSigningKeys(createKeyStore(db.kysely), keyring);
      io.out(`signing keys: ${k.total} checked, ${k.rotated} re-encrypted under master key ${keyring.currentKid}`);
      if (k.failed.length) io.err(`signing keys: ${k.failed.length} could not be decrypted (kids ${k.failed.join(', ')})`);
      const old = await countOldKeyDependents(db.kysely, keyring.currentKid);
      if (old.recoveryCodes) io.out(`recovery codes: ${old.recoveryCodes} unused codes still need an older master secret`);
      return r.failed.length || k.failed.length ? 1 : 0;
    } catch (e) {
      io.err(`secrets rotation failed: ${(e as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
