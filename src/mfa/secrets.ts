import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/keyring.js';
import type { Database } from '../db/database.js';
import type { MfaStore } from './store.js';

export interface RotationReport {
  /** Envelopes looked at. */
  total: number;
  /** Re-encrypted under the current master secret by this run. */
  rotated: number;
  /** Method ids whose envelope could not be decrypted with any configured master secret. */
  failed: string[];
}

/**
 * Re-encrypts every TOTP secret whose envelope names an older master key id under the current
 * one (AAD = method id, as at enrolment). Each row is replaced only if it still holds the
 * envelope that was read, so a concurrent change is never overwritten.
 */
export async function reencryptMfaSecrets(store: MfaStore, keyring: Keyring): Promise<RotationReport> {
  const report: RotationReport = { total: 0, rotated: 0, failed: [] };
  for (const row of await store.listWithSecrets()) {
    const envelope = row.secret_envelope!;
    report.total++;
    if (!keyring.isStale(envelope)) continue;
    try {
      const plain = keyring.decrypt('mfa-secrets', envelope, row.id);
      if (await store.replaceEnvelope(row.id, envelope, keyring.encrypt('mfa-secrets', plain, row.id))) report.rotated++;
    } catch {
      report.failed.push(row.id);
    }
  }
  return report;
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
