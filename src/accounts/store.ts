import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../db/database.js';
import type { UserTable } from './tables.js';

export type UserRow = Selectable<UserTable>;

/** SQL for users. */
export function createUserStore(db: Kysely<Database>) {
  return {
    async insert(row: Insertable<UserTable>): Promise<UserRow> {
      return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
    },
    findById: (id: string) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    findByEmail: (normalized: string) =>
      db.selectFrom('users').selectAll().where('email_normalized', '=', normalized).executeTakeFirst(),
    async update(id: string, patch: Updateable<UserTable>): Promise<UserRow | undefined> {
      return db.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
    },
    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async countActiveSuperusers(): Promise<number> {
      const r = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'superuser')
        .where('status', '!=', 'disabled')
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
export type UserStore = ReturnType<typeof createUserStore>;
