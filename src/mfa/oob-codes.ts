import type { Kysely } from 'kysely';
import { randomDigits, safeEqual } from '../crypto/random.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { CodeHasher } from './code-hash.js';
import type { MfaCodeTable } from './tables.js';

export type OobChannel = MfaCodeTable['channel'];

/** Where a code belongs: a login transaction (challenge), or a method being confirmed (tx null). */
export interface CodeScope {
  userId: string;
  channel: OobChannel;
  transactionId: string | null;
  /** For a confirmation: the pending method. For a login: the method the code was sent to. */
  methodId?: string;
}

/**
 * Out-of-band codes (email, SMS): 6 random digits from the CSPRNG, stored as HMAC bound to the
 * row id, with expiry and an attempt counter. A new code for the same scope ends the previous
 * one, so a code from an earlier challenge never works on a later one. Checking a code first
 * spends an attempt (conditional UPDATE), then consumes the row with another conditional UPDATE:
 * racing guesses cannot exceed the attempts, and a right code works once.
 */
export function createOobCodes(deps: { db: Kysely<Database>; clock: Clock; hasher: CodeHasher; ttlSeconds: number; maxAttempts: number }) {
  const { db, clock, hasher } = deps;

  const live = (s: CodeScope, now: number) => {
    let q = db
      .selectFrom('mfa_codes')
      .selectAll()
      .where('user_id', '=', s.userId)
      .where('channel', '=', s.channel)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now);
    q = s.transactionId === null ? q.where('transaction_id', 'is', null) : q.where('transaction_id', '=', s.transactionId);
    if (s.methodId) q = q.where('method_id', '=', s.methodId);
    return q;
  };

  return {
    ttlSeconds: deps.ttlSeconds,

    /** Makes a new code for `scope` (ending earlier ones of the same scope) and returns it. */
    async issue(scope: CodeScope & { methodId: string }): Promise<string> {
      const now = clock.now();
      const code = randomDigits(6);
      const id = newId(now);
      await db.transaction().execute(async (trx) => {
        let end = trx
          .updateTable('mfa_codes')
          .set({ consumed_at: now })
          .where('user_id', '=', scope.userId)
          .where('channel', '=', scope.channel)
          .where('consumed_at', 'is', null);
        end = scope.transactionId === null ? end.where('method_id', '=', scope.methodId).where('transaction_id', 'is', null) : end.where('transaction_id', '=', scope.transactionId);
        await end.execute();
        await trx
          .insertInto('mfa_codes')
          .values({
            id,
            user_id: scope.userId,
            method_id: scope.methodId,
            channel: scope.channel,
            transaction_id: scope.transactionId,
            code_hash: hasher.hash(`oob:${id}`, code),
            key_id: hasher.currentKid,
            attempts: 0,
            expires_at: now + deps.ttlSeconds * 1000,
            consumed_at: null,
            created_at: now,
          })
          .execute();
      });
      return code;
    },

    /** True once for the right code of the newest live code in scope; returns the method it was sent to. */
    async check(scope: CodeScope, code: string): Promise<{ methodId: string } | null> {
      const now = clock.now();
      const row = await live(scope, now).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
      if (!row || row.attempts >= deps.maxAttempts) return null;
      const spent = await db
        .updateTable('mfa_codes')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', row.id)
        .where('consumed_at', 'is', null)
        .where('attempts', '<', deps.maxAttempts)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) === 0) return null;
      if (!/^\d{6}$/.test(code) || !safeEqual(hasher.hash(`oob:${row.id}`, code, row.key_id), row.code_hash)) return null;
      const consumed = await db
        .updateTable('mfa_codes')
        .set({ consumed_at: now })
        .where('id', '=', row.id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(consumed.numUpdatedRows) > 0 ? { methodId: row.method_id } : null;
    },
  };
}
export type OobCodes = ReturnType<typeof createOobCodes>;
