import type { Kysely, Selectable } from 'kysely';
import { randomToken, sha256 } from '../crypto/random.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { LoginMode } from '../login/service.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { MfaTransactionTable } from './tables.js';

export type MfaTransactionRow = Selectable<MfaTransactionTable>;

export interface NewTransaction {
  userId: string;
  kind: 'mfa' | 'enrollment';
  mode: LoginMode;
  rememberMe: boolean;
  ip: string | null;
  userAgent: string | null;
  amr: string[];
}

/**
 * Logins waiting between the password step and the second factor (or a first enrolment). The
 * mfa_token is 256 random bits given to the client once and stored as SHA-256; it is short-lived,
 * bound to the attempt (user, mode, remember-me, user agent, first-factor amr) and consumed by
 * one conditional UPDATE when the login completes, so it finishes at most one login.
 */
export function createMfaTransactions(deps: { db: Kysely<Database>; clock: Clock; ttlSeconds: number }) {
  const { db, clock } = deps;

  return {
    async start(t: NewTransaction): Promise<{ token: string; row: MfaTransactionRow }> {
      const now = clock.now();
      const token = randomToken();
      const row = await db
        .insertInto('mfa_transactions')
        .values({
          id: newId(now),
          token_hash: sha256(token),
          user_id: t.userId,
          kind: t.kind,
          mode: t.mode,
          remember_me: t.rememberMe ? 1 : 0,
          ip: t.ip,
          user_agent: t.userAgent,
          amr: JSON.stringify(t.amr),
          created_at: now,
          expires_at: now + deps.ttlSeconds * 1000,
          consumed_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { token, row };
    },

    /**
     * The live transaction a token names, of the expected kind, presented by the same user agent
     * that did the password step; otherwise 401 invalid_token (nothing says which check failed).
     */
    async resolve(token: string, kind: MfaTransactionRow['kind'], userAgent: string | null): Promise<MfaTransactionRow> {
      const now = clock.now();
      const row = await db
        .selectFrom('mfa_transactions')
        .selectAll()
        .where('token_hash', '=', sha256(token))
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (!row || row.kind !== kind || row.user_agent !== userAgent) throw new AppError('invalid_token');
      return row;
    },

    /** Marks a transaction used; true only for the one call that did it. */
    async consume(id: string): Promise<boolean> {
      const now = clock.now();
      const r = await db
        .updateTable('mfa_transactions')
        .set({ consumed_at: now })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Ends every open transaction of a user (admin MFA reset). */
    async endAllForUser(userId: string): Promise<void> {
      await db
        .updateTable('mfa_transactions')
        .set({ consumed_at: clock.now() })
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .execute();
    },
  };
}
export type MfaTransactions = ReturnType<typeof createMfaTransactions>;
