import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { SessionTable } from './tables.js';

export type SessionRow = Selectable<SessionTable>;

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
    findLiveBySecretHash: (hash: string, now: number) => live(now).where('secret_hash', '=', hash).executeTakeFirst(),
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
    /** Records activity and slides the idle expiry (never past the absolute one). */
    touch: (id: string, at: { now: number; ip: string | null; userAgent: string | null; location: string | null; idleExpiresAt: number }) =>
      db
        .updateTable('sessions')
        .set({
          last_active: at.now,
          last_ip: at.ip,
          last_user_agent: at.userAgent,
          last_location: at.location,
          idle_expires_at: at.idleExpiresAt,
        })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute(),
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
