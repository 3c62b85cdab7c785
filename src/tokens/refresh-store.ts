import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { SessionRow } from '../sessions/store.js';
import type { PreparedQuery } from '../db/connect.js';
import { rotateOnPostgres } from './rotate-postgres.js';
import type { RefreshTokenTable } from './tables.js';

export type RefreshTokenRow = Selectable<RefreshTokenTable>;

/** What a rotation writes, decided from the session it rotates in. */
export interface RotationPlan {
  refreshExpiresAt: number;
  idleExpiresAt: number;
}

/** The lifetimes a rotation grants (ms), by the session's remember-me flag. */
export interface RotationPolicy {
  refreshTtlMs: { normal: number; remember: number };
  idleTtlMs: { normal: number; remember: number };
}

/**
 * The new token lives for the refresh lifetime and the session's idle expiry slides; neither goes
 * past the session's absolute expiry. (rotate-postgres.ts says the same in SQL.)
 */
export function planRotation(session: SessionRow, now: number, policy: RotationPolicy): RotationPlan {
  const remember = session.remember_me === 1;
  return {
    refreshExpiresAt: Math.min(now + (remember ? policy.refreshTtlMs.remember : policy.refreshTtlMs.normal), session.absolute_expires_at),
    idleExpiresAt: Math.min(session.absolute_expires_at, now + (remember ? policy.idleTtlMs.remember : policy.idleTtlMs.normal)),
  };
}

export type RotateArgs = {
  hash: string;
  now: number;
  next: { id: string; hash: string };
  policy: RotationPolicy;
};
export type Rotated = { session: SessionRow; refreshExpiresAt: number } | undefined;

// SQLite's rotation; rotate-postgres.ts is the same in one statement.
const CONSUME = `update refresh_tokens set consumed_at = ?, replaced_by = ?
  where token_hash = ? and consumed_at is null and expires_at > ?
  and exists (select sessions.id from sessions where sessions.id = refresh_tokens.session_id
    and sessions.revoked_at is null and sessions.idle_expires_at > ? and sessions.absolute_expires_at > ?)
  returning session_id`;
const SESSION = 'select * from sessions where id = ?';
const INSERT = `insert into refresh_tokens (id, session_id, token_hash, created_at, expires_at, consumed_at, replaced_by)
  values (?, ?, ?, ?, ?, null, null)`;
const SLIDE = 'update sessions set idle_expires_at = ? where id = ?';

/** A rotation as one unit of a SQLite group commit. */
function rotateOnSqlite(group: GroupCommit, a: RotateArgs): Promise<Rotated> {
  return group.run((prepare) => {
    const consumed = prepare(CONSUME).get(a.now, a.next.id, a.hash, a.now, a.now, a.now) as { session_id: string } | undefined;
    if (!consumed) return undefined;
    const current = prepare(SESSION).get(consumed.session_id) as SessionRow;
    const plan = planRotation(current, a.now, a.policy);
    prepare(INSERT).run(a.next.id, current.id, a.next.hash, a.now, plan.refreshExpiresAt);
    prepare(SLIDE).run(plan.idleExpiresAt, current.id);
    return { session: { ...current, idle_expires_at: plan.idleExpiresAt }, refreshExpiresAt: plan.refreshExpiresAt };
  });
}

/**
 * SQL for refresh tokens. Consumption is one conditional UPDATE so two racers never both win.
 * Rotation — the busiest write — runs on SQLite as synchronous statements in a group commit
 * (`group`, on the handle under Kysely) sharing one COMMIT with the rotations that arrive with it,
 * and on Postgres as one statement (one round trip instead of six).
 * `group`: the group commit on SQLite's handle; without it the database is Postgres, where
 * `prepared` (db/connect.ts) runs the rotation as a named prepared statement.
 */
export function createRefreshStore(db: Kysely<Database>, group?: GroupCommit, prepared?: PreparedQuery) {
  return {
    async insert(row: Insertable<RefreshTokenTable>): Promise<void> {
      await db.insertInto('refresh_tokens').values(row).execute();
    },

    findByHash: (hash: string) =>
      db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst(),

    /**
     * Consumes the token named by `hash` and issues its successor atomically. The UPDATE
     * matches only an unconsumed, unexpired token of a live session, and sets `replaced_by` in the
     * same statement: of N concurrent calls exactly one gets a row back (row lock on Postgres, the
     * single writer on SQLite). Returns the session (idle expiry already slid) or undefined.
     */
    async rotate(args: RotateArgs): Promise<Rotated> {
      return group ? rotateOnSqlite(group, args) : rotateOnPostgres(db, args, prepared);
    },

    /** Deletes tokens past their expiry (cleanup job); a consumed one is kept until then for reuse detection. */
    async deleteExpired(now: number): Promise<number> {
      const r = await db.deleteFrom('refresh_tokens').where('expires_at', '<=', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type RefreshStore = ReturnType<typeof createRefreshStore>;
