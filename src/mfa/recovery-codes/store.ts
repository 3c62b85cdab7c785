import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { MfaMethodTable, MfaRecoveryCodeTable } from '../tables.js';

/** SQL for recovery codes. */
export function createRecoveryCodeStore(db: Kysely<Database>) {
  return {
    /**
     * Replaces the user's recovery-code set in one transaction: the old method row goes (and its
     * codes with it), so no code of an earlier set survives a regeneration.
     */
    async replaceSet(method: Insertable<MfaMethodTable>, codes: Array<Insertable<MfaRecoveryCodeTable>>): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_methods').where('user_id', '=', method.user_id).where('type', '=', 'recovery_code').execute();
        await trx.insertInto('mfa_methods').values(method).execute();
        await trx.insertInto('mfa_recovery_codes').values(codes).execute();
      });
    },

    /** Consumes the unused code with one of these hashes; the row's method id when this call did it. */
    async consume(userId: string, hashes: string[], now: number): Promise<string | undefined> {
      const row = await db
        .updateTable('mfa_recovery_codes')
        .set({ consumed_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', 'in', hashes)
        .where('consumed_at', 'is', null)
        .returning('method_id')
        .executeTakeFirst();
      return row?.method_id;
    },

    async countUnused(userId: string): Promise<number> {
      const r = await db
        .selectFrom('mfa_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
export type RecoveryCodeStore = ReturnType<typeof createRecoveryCodeStore>;
