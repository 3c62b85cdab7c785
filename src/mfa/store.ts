import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { MfaMethodTable, MfaMethodType } from './tables.js';

export type MfaMethodRow = Selectable<MfaMethodTable>;

/** SQL for MFA methods. State changes are conditional so racing requests cannot both win. */
export function createMfaStore(db: Kysely<Database>) {
  const confirmed = (userId: string) =>
    db.selectFrom('mfa_methods').selectAll().where('user_id', '=', userId).where('confirmed_at', 'is not', null);

  return {
    async insert(row: Insertable<MfaMethodTable>): Promise<MfaMethodRow> {
      return db.insertInto('mfa_methods').values(row).returningAll().executeTakeFirstOrThrow();
    },
    /** Confirmed methods of a user, oldest first. */
    listConfirmed: (userId: string) => confirmed(userId).orderBy('created_at').orderBy('id').execute(),
    listConfirmedOfType: (userId: string, type: MfaMethodType) =>
      confirmed(userId).where('type', '=', type).orderBy('created_at').orderBy('id').execute(),
    /** A method of this user (pending or confirmed). */
    findForUser: (userId: string, id: string) =>
      db.selectFrom('mfa_methods').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst(),
    /** Every method with an encrypted secret (secrets rotate). */
    listWithSecrets: () => db.selectFrom('mfa_methods').select(['id', 'secret_envelope']).where('secret_envelope', 'is not', null).execute(),
    async replaceEnvelope(id: string, previous: string, next: string): Promise<boolean> {
      const r = await db
        .updateTable('mfa_methods')
        .set({ secret_envelope: next })
        .where('id', '=', id)
        .where('secret_envelope', '=', previous)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Confirms a pending method; returns it only when this call confirmed it. */
    confirm: (userId: string, id: string, now: number, lastUsedStep: number | null = null) =>
      db
        .updateTable('mfa_methods')
        .set({ confirmed_at: now, last_used_at: now, last_used_step: lastUsedStep })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .returningAll()
        .executeTakeFirst(),

    /**
     * Records a TOTP step as used, only if it is later than the last one: one conditional UPDATE,
     * so the same code presented twice (even concurrently) is accepted once.
     */
    async advanceTotpStep(id: string, step: number, now: number): Promise<boolean> {
      const r = await db
        .updateTable('mfa_methods')
        .set({ last_used_step: step, last_used_at: now })
        .where('id', '=', id)
        .where('confirmed_at', 'is not', null)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async markUsed(id: string, now: number): Promise<void> {
      await db.updateTable('mfa_methods').set({ last_used_at: now }).where('id', '=', id).execute();
    },

    /** Deletes one method (its codes and passkey go with it); returns the row when it existed. */
    remove: (userId: string, id: string) =>
      db.deleteFrom('mfa_methods').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst(),
    removeOfType: (userId: string, type: MfaMethodType) =>
      db.deleteFrom('mfa_methods').where('user_id', '=', userId).where('type', '=', type).returningAll().execute(),
    /** Pending (never confirmed) methods of a type: dropped when a new enrolment starts. */
    async removePending(userId: string, type: MfaMethodType): Promise<void> {
      await db
        .deleteFrom('mfa_methods')
        .where('user_id', '=', userId)
        .where('type', '=', type)
        .where('confirmed_at', 'is', null)
        .execute();
    },
    /** Every method of a user (admin reset); returns what was removed. */
    removeAllForUser: (userId: string) => db.deleteFrom('mfa_methods').where('user_id', '=', userId).returningAll().execute(),
  };
}
export type MfaStore = ReturnType<typeof createMfaStore>;
