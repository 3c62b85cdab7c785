import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring.js';
import { reencryptEnvelopes, type ReencryptReport } from '../crypto/reencrypt.js';
import type { Database } from '../db/database.js';
import type { MfaStore } from './store.js';

/** Re-encrypts TOTP secrets made under an older master secret (AAD = method id, as at enrolment). */
export async function reencryptMfaSecrets(store: MfaStore, keyring: Keyring): Promise<ReencryptReport> {
  const rows = (await store.listWithSecrets()).map((r) => ({ id: r.id, envelope: r.secret_envelope! }));
  return reencryptEnvelopes(keyring, 'mfa-secrets', rows, (id, previous, next) => store.replaceEnvelope(id, previous, next));
}

/**
 * Hashed codes cannot be re-keyed (we never hold them): how many unused recovery codes and live
 * trusted devices still depend on an older master secret, so the operator knows what dropping it ends.
 */
export async function countOldKeyDependents(db: Kysely<Database>, currentKid: string): Promise<{ recoveryCodes: number }> {
  const r = await db
    .selectFrom('mfa_recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key_id', '!=', currentKid)
    .where('consumed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { recoveryCodes: Number(r.n) };
}
