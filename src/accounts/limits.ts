import type { Cache } from '../cache/port.js';
import { sha256 } from '../crypto/random.js';

/**
 * Counts one more mail to an address within a window; true when the limit is passed. Keyed by a
 * hash of the normalized address (no addresses in cache keys) and counted whether or not an
 * account exists, so the answer never tells the two apart.
 */
export async function overAddressLimit(
  cache: Cache,
  kind: string,
  emailNormalized: string,
  limit: number,
  windowSeconds: number,
): Promise<boolean> {
  const n = await cache.incr(`acct:${kind}:${sha256(emailNormalized)}`, windowSeconds);
  return n > limit;
}
