import { randomInt } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { CodeHasher } from '../code-hash.js';
import type { MfaStore } from '../store.js';
import type { RecoveryCodeStore } from './store.js';

/** How many codes a set holds. */
export const RECOVERY_CODE_COUNT = 10;
/** No 0/o, 1/l/i: codes are read off paper. 31 symbols × 10 = ~49.5 bits each. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Lower case, separators dropped, so "ABCDE-FGHJK" and "abcdefghjk" are the same code. */
const normalize = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

function generateCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/**
 * Recovery codes: 10 random single-use codes, shown once, stored as HMAC (key id beside each).
 * A new set replaces the old one entirely. They stand in for a lost second factor; they are not
 * a factor of their own for the MFA policy.
 */
export function createRecoveryCodes(deps: { store: RecoveryCodeStore; methods: MfaStore; hasher: CodeHasher; clock: Clock }) {
  const { store, hasher, clock } = deps;
  const scope = (userId: string) => `recovery:${userId}`;

  return {
    /** Makes a new set (revoking the old one); returns the codes, which are never shown again. */
    async regenerate(userId: string): Promise<{ methodId: string; codes: string[] }> {
      const now = clock.now();
      const methodId = newId(now);
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateCode);
      await store.replaceSet(
        {
          id: methodId,
          user_id: userId,
          type: 'recovery_code',
          name: null,
          secret_envelope: null,
          phone_number: null,
          last_used_step: null,
          confirmed_at: now,
          created_at: now,
          last_used_at: null,
        },
        codes.map((c) => ({
          id: newId(now),
          user_id: userId,
          method_id: methodId,
          code_hash: hasher.hash(scope(userId), normalize(c)),
          key_id: hasher.currentKid,
          created_at: now,
          consumed_at: null,
        })),
      );
      return { methodId, codes };
    },

    /** Uses up a code; true once per code. */
    async consume(userId: string, code: string): Promise<boolean> {
      const n = normalize(code);
      if (n.length !== 10) return false;
      // One hash per master key that may still have hashed it (rotation keeps old sets working).
      const hashes = hasher.kids.map((kid) => hasher.hash(scope(userId), n, kid));
      const methodId = await store.consume(userId, hashes, clock.now());
      if (!methodId) return false;
      await deps.methods.markUsed(methodId, clock.now());
      return true;
    },

    remaining: (userId: string) => store.countUnused(userId),
  };
}
export type RecoveryCodes = ReturnType<typeof createRecoveryCodes>;
