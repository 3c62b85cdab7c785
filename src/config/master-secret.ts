import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../crypto/random.js';
import type { Config } from './schema.js';

/**
 * The master secret in force: the configured one, or in development and test a secret generated
 * once into the data dir (mode 0600) so a newcomer's `npm start` needs no setup. Production
 * configuration refuses to start without one (see load.ts).
 */
export function resolveMasterSecret(config: Config): { secret: string; generatedAt?: string } {
  if (config.master_secret) return { secret: config.master_secret };
  const file = join(config.data_dir, 'master.key');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generatedAt: file };
  mkdirSync(config.data_dir, { recursive: true });
  const secret = randomToken(48);
  // Written whole under a private name, then linked into place: a second process starting on the
  // same data dir (the CLI beside the server) either wins the link or reads the winner's complete
  // file, never an empty one.
  const draft = `${file}.${process.pid}.${randomToken(6)}`;
  writeFileSync(draft, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { secret: readFileSync(file, 'utf8').trim(), generatedAt: file };
  } finally {
    unlinkSync(draft);
  }
  return { secret, generatedAt: file };
}
