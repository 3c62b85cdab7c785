import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { SessionTable } from './tables.js';

export type SessionRow = Selectable<SessionTable>;

/** One batched activity write (see activity.ts). */
export interface SessionTouch {
  id: string;
  at: number;
  ip: string | null;
  userAgent: string | null;
  location: string | null;
  idleExpiresAt: number;
}

/** SQL for sessions. "Live" = not revoked and neither idle nor absolute expiry has passed. */
export function createSessionStore(db: Kysely<Database>) {
  const live = (now: number) =>
    db
      .selectFrom('sessions')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('absolute_expires_at', '>', now);

  return {
    async insert(row: Insertable<SessionTable>): Promise<SessionRow> {
      return db.insertInto('sessions').values(row).returningAll().executeTakeFirstOrThrow();
    },
    findById: (id: string) => db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst(),
    /** The session a cookie names, live or not (the caller decides; pending activity may extend it). */
    findBySecretHash: (hash: string) => db.selectFrom('sessions').selectAll().where('secret_hash', '=', hash).executeTakeFirst(),
    findLiveById: (id: string, now: number) => live(now).where('id', '=', id).executeTakeFirst(),
    listLiveForUser: (userId: string, now: number) =>
      live(now).where('user_id', '=', userId).orderBy('login_time', 'desc').execute(),

    /** Marks one session revoked; returns it only if this call revoked it. */
    revoke: (id: string, now: number, reason: string) =>
      db
        .updateTable('sessions')
        .set({ revoked_at: now, revoked_reason: reason })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst(),
    /** Revokes every live session of a user except `exceptId`; returns the revoked ones. */
    revokeAllForUser: (userId: string, now: number, reason: string, exceptId?: string) => {
      let q = db
        .updateTable('sessions')
        .set({ revoked_at: now, revoked_reason: reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptId) q = q.where('id', '!=', exceptId);
      return q.returning(['id', 'absolute_expires_at']).execute();
    },

    /**
     * Writes a batch of activity in one transaction. Each row is skipped when the session was
     * written less than `minGapMs` before (another instance got there): at most one write per
     * session per interval, cluster-wide. The idle expiry only ever moves forward.
     */
    async touchMany(rows: SessionTouch[], minGapMs: number): Promise<void> {
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const r of rows) {
          await trx
            .updateTable('sessions')
            .set((eb) => ({
              last_active: r.at,
              last_ip: r.ip,
              last_user_agent: r.userAgent,
              last_location: r.location,
              // Never moves the idle expiry back (a refresh may have slid it further meanwhile).
              idle_expires_at: eb
                .case()
                .when('idle_expires_at', '<', r.idleExpiresAt)
                .then(r.idleExpiresAt)
                .else(eb.ref('idle_expires_at'))
                .end(),
            }))
            .where('id', '=', r.id)
            .where('revoked_at', 'is', null)
            .where('last_active', '<=', r.at - minGapMs)
            .execute();
        }
      });
    },

    /**
     * Deletes sessions that ended (revoked, idle- or absolutely expired) before `endedBefore`. The
     * idle expiry is never later than the absolute one (every write caps it), so "idle expired"
     * covers both, through the idle-expiry index (migration 0010).
     */
    async deleteEndedBefore(endedBefore: number): Promise<number> {
      const r = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('revoked_at', '<=', endedBefore), eb('idle_expires_at', '<=', endedBefore)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
