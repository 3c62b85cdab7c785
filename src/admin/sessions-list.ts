import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { SessionTable } from '../sessions/tables.js';

/** Filters of the admin session list. */
export interface SessionListFilter {
  userId?: string;
  /** Matches the login address or the last-seen one. */
  ip?: string;
}

type SessionRow = Pick<
  SessionTable,
  | 'id'
  | 'user_id'
  | 'login_time'
  | 'login_ip'
  | 'login_user_agent'
  | 'login_location'
  | 'last_active'
  | 'last_ip'
  | 'last_user_agent'
  | 'last_location'
  | 'remember_me'
>;

/**
 * Read-only query over the sessions table for the admin list: live sessions (not revoked, not
 * past either expiry) across users. The sessions capability owns every write to that table.
 */
export function createAdminSessionList(db: Kysely<Database>) {
  const live = (f: SessionListFilter, now: number) => {
    let q = db
      .selectFrom('sessions')
      .where('revoked_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('absolute_expires_at', '>', now);
    if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
    if (f.ip !== undefined) {
      const ip = f.ip;
      q = q.where((eb) => eb.or([eb('login_ip', '=', ip), eb('last_ip', '=', ip)]));
    }
    return q;
  };

  return {
    /** One page, newest login first, and the total count. */
    async page(f: SessionListFilter, now: number, offset: number, limit: number): Promise<{ rows: SessionRow[]; total: number }> {
      const [rows, count] = await Promise.all([
        live(f, now)
          .select([
            'id',
            'user_id',
            'login_time',
            'login_ip',
            'login_user_agent',
            'login_location',
            'last_active',
            'last_ip',
            'last_user_agent',
            'last_location',
            'remember_me',
          ])
          .orderBy('login_time', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute(),
        live(f, now).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },
  };
}
export type AdminSessionList = ReturnType<typeof createAdminSessionList>;
