import { createHmac } from 'node:crypto';
import { masterKeyId, type Keyring } from '../crypto/keyring.js';

/**
 * HMAC-SHA-256 of low-entropy codes (6-digit codes, recovery codes) under the 'otp-codes' subkey,
 * with the master key id kept beside each hash: after a master-secret rotation, codes hashed
 * under the previous secret keep verifying while it is listed in master_secret_previous.
 */
export function createCodeHasher(keyring: Keyring, previousSecrets: readonly string[]) {
  const kids = [keyring.currentKid, ...previousSecrets.map(masterKeyId)];
  return {
    get currentKid(): string {
      return keyring.currentKid;
    },
    /** Every master key id that can still verify, current first. */
    kids,
    /** The hash of `code` in `scope` (binds it to a row or user) under master key `kid`. */
    hash(scope: string, code: string, kid = keyring.currentKid): string {
      return createHmac('sha256', keyring.subkey('otp-codes', kid)).update(`${scope}\n${code}`).digest('hex');
    },
  };
}
export type CodeHasher = ReturnType<typeof createCodeHasher>;
