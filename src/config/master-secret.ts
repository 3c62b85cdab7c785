import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, generatedAt: file };
}
