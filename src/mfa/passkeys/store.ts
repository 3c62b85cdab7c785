import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { MfaMethodTable, PasskeyTable, WebauthnChallengeTable } from '../tables.js';

export type PasskeyRow = Selectable<PasskeyTable>;
export type PasskeyWithMethod = PasskeyRow & Pick<Selectable<MfaMethodTable>, 'name' | 'created_at' | 'last_used_at'>;
export type ChallengeRow = Selectable<WebauthnChallengeTable>;

/** SQL for passkeys (credential beside an mfa_methods row) and single-use WebAuthn challenges. */
export function createPasskeyStore(db: Kysely<Database>) {
  const withMethod = () =>
    db
      .selectFrom('passkeys')
      .innerJoin('mfa_methods', 'mfa_methods.id', 'passkeys.method_id')
      .selectAll('passkeys')
      .select(['mfa_methods.name', 'mfa_methods.created_at', 'mfa_methods.last_used_at']);

  return {
    /** Inserts the method row and its credential together. */
    async insert(method: Insertable<MfaMethodTable>, passkey: Insertable<PasskeyTable>): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('mfa_methods').values(method).execute();
        await trx.insertInto('passkeys').values(passkey).execute();
      });
    },
    listForUser: (userId: string) => withMethod().where('passkeys.user_id', '=', userId).orderBy('mfa_methods.created_at').execute(),
    findByCredentialId: (credentialId: string) => withMethod().where('passkeys.credential_id', '=', credentialId).executeTakeFirst(),
    credentialExists: async (credentialId: string) =>
      (await db.selectFrom('passkeys').select('method_id').where('credential_id', '=', credentialId).executeTakeFirst()) !== undefined,

    /** Records a use: the new signature counter and the time. */
    async recordUse(methodId: string, counter: number, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('passkeys').set({ counter }).where('method_id', '=', methodId).execute();
        await trx.updateTable('mfa_methods').set({ last_used_at: now }).where('id', '=', methodId).execute();
      });
    },
    async rename(userId: string, methodId: string, name: string): Promise<boolean> {
      const r = await db
        .updateTable('mfa_methods')
        .set({ name })
        .where('id', '=', methodId)
        .where('user_id', '=', userId)
        .where('type', '=', 'passkey')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async insertChallenge(row: Insertable<WebauthnChallengeTable>): Promise<void> {
      await db.insertInto('webauthn_challenges').values(row).execute();
    },
    /**
     * Consumes a live challenge matching all given fields; returns it only for the one call that
     * consumed it (a WebAuthn response can finish one ceremony only).
     */
    consumeChallenge: (
      match: { purpose: ChallengeRow['purpose']; challenge?: string; id?: string; userId?: string; transactionId?: string },
      now: number,
    ) => {
      let q = db
        .updateTable('webauthn_challenges')
        .set({ consumed_at: now })
        .where('purpose', '=', match.purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now);
      if (match.challenge !== undefined) q = q.where('challenge', '=', match.challenge);
      if (match.id !== undefined) q = q.where('id', '=', match.id);
      if (match.userId !== undefined) q = q.where('user_id', '=', match.userId);
      if (match.transactionId !== undefined) q = q.where('transaction_id', '=', match.transactionId);
      return q.returningAll().executeTakeFirst();
    },
  };
}
export type PasskeyStore = ReturnType<typeof createPasskeyStore>;
