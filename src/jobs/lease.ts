import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Cluster-wide job leases in `job_leases`. Taking one is a single conditional upsert: the row is
 * written only when it is new, expired, or already ours, so of several instances racing for a
 * lease exactly one gets a row back — the same on SQLite and Postgres.
 */
export function createLeaseStore(db: Kysely<Database>) {
  return {
    async tryAcquire(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
      const row = await db
        .insertInto('job_leases')
        .values({ name, holder, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at: now + ttlMs })
            .where((eb) => eb.or([eb('job_leases.expires_at', '<=', now), eb('job_leases.holder', '=', holder)])),
        )
        .returning('holder')
        .executeTakeFirst();
      return row?.holder === holder;
    },

    /** Gives a lease back early (only if still ours). */
    async release(name: string, holder: string): Promise<void> {
      await db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}
export type LeaseStore = ReturnType<typeof createLeaseStore>;
