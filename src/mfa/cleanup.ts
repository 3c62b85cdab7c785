import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Job } from '../jobs/scheduler.js';
import type { Clock } from '../shared/clock.js';

export const MFA_CLEANUP_JOB = 'mfa-cleanup';
const HOUR = 3_600_000;
/** Revoked and expired trusted devices stay listed for audit this long. */
const DEVICE_RETENTION = 7 * 24 * HOUR;

const deleted = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);

/**
 * Deletes what MFA leaves behind once it can no longer be used: ended login transactions (their
 * codes and challenges go with them), expired codes and WebAuthn challenges, enrolments never
 * confirmed within a day, and trusted devices a week after they ended. One instance runs it per
 * interval (scheduler lease); every statement is idempotent.
 */
export function mfaCleanupJob(deps: { db: Kysely<Database>; clock: Clock; intervalSeconds: number }): Job {
  const { db } = deps;
  return {
    name: MFA_CLEANUP_JOB,
    intervalSeconds: deps.intervalSeconds,
    async run() {
      const now = deps.clock.now();
      const codes = await db.deleteFrom('mfa_codes').where('expires_at', '<', now - HOUR).executeTakeFirst();
      const challenges = await db.deleteFrom('webauthn_challenges').where('expires_at', '<', now - HOUR).executeTakeFirst();
      const transactions = await db.deleteFrom('mfa_transactions').where('expires_at', '<', now - HOUR).executeTakeFirst();
      const pending = await db
        .deleteFrom('mfa_methods')
        .where('confirmed_at', 'is', null)
        .where('created_at', '<', now - 24 * HOUR)
        .executeTakeFirst();
      const devices = await db
        .deleteFrom('trusted_devices')
        .where((eb) => eb.or([eb('expires_at', '<', now - DEVICE_RETENTION), eb('revoked_at', '<', now - DEVICE_RETENTION)]))
        .executeTakeFirst();
      return {
        codes: deleted(codes),
        challenges: deleted(challenges),
        transactions: deleted(transactions),
        pending_methods: deleted(pending),
        devices: deleted(devices),
      };
    },
  };
}
