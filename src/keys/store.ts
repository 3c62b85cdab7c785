import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { SigningAlg, SigningKeyTable } from './tables.js';

export type SigningKeyRow = Selectable<SigningKeyTable>;

/** SQL for signing keys. Every state change is conditional so racing instances cannot both win. */
export function createKeyStore(db: Kysely<Database>) {
  return {
    /** Every key with its encrypted private part, retired ones included (master-secret rotation). */
    async listEnvelopes(): Promise<Array<{ kid: string; private_envelope: string }>> {
      return db.selectFrom('signing_keys').select(['kid', 'private_envelope']).orderBy('created_at').execute();
    },

    /** Swaps a key's envelope only if it is still the one that was read (no lost update). */
    async replaceEnvelope(kid: string, previous: string, next: string): Promise<boolean> {
      const r = await db
        .updateTable('signing_keys')
        .set({ private_envelope: next })
        .where('kid', '=', kid)
        .where('private_envelope', '=', previous)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Keys that are not retired (active and verifying), oldest first. */
    async listLive(): Promise<SigningKeyRow[]> {
      return db.selectFrom('signing_keys').selectAll().where('status', '!=', 'retired').orderBy('created_at').execute();
    },

    /**
     * Inserts the first active key of an algorithm. Returns false when another instance got there
     * first (the partial unique index on active keys refused the row).
     */
    async insertFirstActive(row: SigningKeyRow): Promise<boolean> {
      try {
        await db.insertInto('signing_keys').values(row).execute();
        return true;
      } catch (err) {
        const existing = await db
          .selectFrom('signing_keys')
          .select('kid')
          .where('alg', '=', row.alg)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (existing) return false;
        throw err;
      }
    },

    /**
     * Makes `row` the active key of its algorithm and demotes the current one to verifying until
     * `retireAfter`, in one transaction. `expectedKid` is the active key the caller saw (null =
     * none); when it is no longer active someone else rotated first and nothing changes (false).
     */
    async rotate(args: { row: SigningKeyRow; expectedKid: string | null; retireAfter: number }): Promise<boolean> {
      const { row, expectedKid, retireAfter } = args;
      return db.transaction().execute(async (trx) => {
        if (expectedKid) {
          const demoted = await trx
            .updateTable('signing_keys')
            .set({ status: 'verifying', retire_after: retireAfter })
            .where('kid', '=', expectedKid)
            .where('status', '=', 'active')
            .returning('kid')
            .execute();
          if (demoted.length === 0) return false;
        }
        const stillActive = await trx
          .selectFrom('signing_keys')
          .select('kid')
          .where('alg', '=', row.alg)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (stillActive) return false;
        await trx.insertInto('signing_keys').values(row).execute();
        return true;
      });
    },

    /** Demotes an active key to verifying until `retireAfter`, if it is still active (false: someone else did). */
    async demote(kid: string, retireAfter: number): Promise<boolean> {
      const r = await db
        .updateTable('signing_keys')
        .set({ status: 'verifying', retire_after: retireAfter })
        .where('kid', '=', kid)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Retires every verifying key whose window has passed; returns their kids. */
    async retireDue(now: number): Promise<Array<{ kid: string; alg: SigningAlg }>> {
      return db
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: now })
        .where('status', '=', 'verifying')
        .where('retire_after', '<=', now)
        .returning(['kid', 'alg'])
        .execute();
    },
  };
}
export type KeyStore = ReturnType<typeof createKeyStore>;
