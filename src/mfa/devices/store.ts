import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { TrustedDeviceTable } from '../tables.js';

export type TrustedDeviceRow = Selectable<TrustedDeviceTable>;

/** SQL for trusted devices. "Live" = not revoked and not expired. */
export function createTrustedDeviceStore(db: Kysely<Database>) {
  const live = (now: number) =>
    db.selectFrom('trusted_devices').selectAll().where('revoked_at', 'is', null).where('expires_at', '>', now);

  return {
    async insert(row: Insertable<TrustedDeviceTable>): Promise<TrustedDeviceRow> {
      return db.insertInto('trusted_devices').values(row).returningAll().executeTakeFirstOrThrow();
    },
    findLive: (id: string, now: number) => live(now).where('id', '=', id).executeTakeFirst(),
    listLive: (userId: string, now: number) => live(now).where('user_id', '=', userId).orderBy('created_at', 'desc').execute(),
    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('trusted_devices').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    /** Revokes one (id given) or all live devices of a user; returns the ids this call revoked. */
    async revoke(userId: string, now: number, reason: string, id?: string): Promise<string[]> {
      let q = db
        .updateTable('trusted_devices')
        .set({ revoked_at: now, revoked_reason: reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (id) q = q.where('id', '=', id);
      const rows = await q.returning('id').execute();
      return rows.map((r) => r.id);
    },
  };
}
export type TrustedDeviceStore = ReturnType<typeof createTrustedDeviceStore>;
