import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { EmailVerificationTable, PasswordResetTable } from './tables.js';

export type VerificationRow = Selectable<EmailVerificationTable>;
export type ResetRow = Selectable<PasswordResetTable>;

/**
 * SQL for mailed single-use secrets: email verifications and password reset/setup links.
 * Every consume is one conditional UPDATE … WHERE consumed_at IS NULL … RETURNING, so of two
 * racing requests exactly one gets the row back (SQLite and Postgres alike).
 */
export function createLinkStore(db: Kysely<Database>) {
  return {
    async insertVerification(row: Insertable<EmailVerificationTable>): Promise<void> {
      await db.insertInto('email_verifications').values(row).execute();
    },
    /** Ends every outstanding verification of a user (a new one was sent, or the address is verified). */
    async retireVerifications(userId: string, now: number): Promise<void> {
      await db
        .updateTable('email_verifications')
        .set({ consumed_at: now })
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .execute();
    },
    consumeVerificationByToken: (tokenHash: string, now: number) =>
      db
        .updateTable('email_verifications')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst(),
    /** Consumes the user's live verification whose code matches, while attempts remain. */
    consumeVerificationByCode: (userId: string, codeHash: string, now: number, maxAttempts: number) =>
      db
        .updateTable('email_verifications')
        .set({ consumed_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .where('code_attempts', '<', maxAttempts)
        .returningAll()
        .executeTakeFirst(),
    /** Counts a wrong code against every live verification of the user (each allows a few tries). */
    async countWrongCode(userId: string, now: number): Promise<void> {
      await db
        .updateTable('email_verifications')
        .set((eb) => ({ code_attempts: eb('code_attempts', '+', 1) }))
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .execute();
    },

    async insertReset(row: Insertable<PasswordResetTable>): Promise<void> {
      await db.insertInto('password_resets').values(row).execute();
    },
    /** A live reset link (read only: the policy check needs the user before the link is spent). */
    findLiveReset: (tokenHash: string, now: number) =>
      db
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst(),
    consumeReset: (tokenHash: string, now: number) =>
      db
        .updateTable('password_resets')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst(),
    /** Ends every outstanding reset and setup link of a user. */
    async retireResets(userId: string, now: number): Promise<void> {
      await db
        .updateTable('password_resets')
        .set({ consumed_at: now })
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .execute();
    },
  };
}
export type LinkStore = ReturnType<typeof createLinkStore>;
