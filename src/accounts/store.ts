import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type SQLite from 'better-sqlite3';
import { sqliteGet } from '../db/connect.js';
import type { Database } from '../db/database.js';
import type { Role, UserStatus } from './roles.js';
import type { UserTable } from './tables.js';

export type UserRow = Selectable<UserTable>;

/** Columns a user list may be sorted by; a leading '-' means descending. */
export const userSortKeys = ['created_at', 'updated_at', 'last_login_at', 'email', 'name'] as const;
export type UserSortKey = (typeof userSortKeys)[number];

export interface UserListQuery {
  /** Part of the email or name, case-insensitive. */
  q?: string;
  status?: UserStatus;
  role?: Role;
  sort: { key: UserSortKey; desc: boolean };
  offset: number;
  limit: number;
}

/** LIKE pattern for "contains", with the pattern characters of the input escaped. */
const containsPattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** SQL for users. */
/** Advisory lock key that serialises changes which could remove the last superuser. */
const SUPERUSER_LOCK = 0x67617465;

/** `native`: the SQLite handle under `db`, for the synchronous read by id every authenticated admin call and /me make. */
export function createUserStore(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', native?: SQLite.Database) {
  const isPostgres = dialect === 'postgres';
  return {
    async insert(row: Insertable<UserTable>): Promise<UserRow> {
      return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
    },
    findById(id: string): Promise<UserRow | undefined> {
      const fast = native && sqliteGet<UserRow>(native, 'select * from users where id = ?', id);
      return fast ? Promise.resolve(fast.value) : db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findByEmail: (normalized: string) =>
      db.selectFrom('users').selectAll().where('email_normalized', '=', normalized).executeTakeFirst(),
    async update(id: string, patch: Updateable<UserTable>): Promise<UserRow | undefined> {
      return db.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
    },
    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /**
     * Deletes a user unless that would leave no active superuser. Count and delete happen in one
     * transaction, serialised on Postgres by an advisory lock (SQLite transactions already are),
     * so two superusers deleting each other at the same instant cannot both succeed.
     */
    async deleteKeepingASuperuser(id: string): Promise<'deleted' | 'last_superuser' | 'not_found'> {
      return db.transaction().execute(async (trx) => {
        if (isPostgres) await sql`select pg_advisory_xact_lock(${SUPERUSER_LOCK})`.execute(trx);
        const user = await trx.selectFrom('users').select(['role', 'status']).where('id', '=', id).executeTakeFirst();
        if (!user) return 'not_found';
        if (user.role === 'superuser' && user.status !== 'disabled') {
          const others = await trx
            .selectFrom('users')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('role', '=', 'superuser')
            .where('status', '!=', 'disabled')
            .where('id', '!=', id)
            .executeTakeFirstOrThrow();
          if (Number(others.n) === 0) return 'last_superuser';
        }
        await trx.deleteFrom('users').where('id', '=', id).execute();
        return 'deleted';
      });
    },
    /** A filtered, sorted page of users and the total count of the filter. */
    async list(query: UserListQuery): Promise<{ items: UserRow[]; total: number }> {
      let q = db.selectFrom('users');
      if (query.q) {
        const pattern = containsPattern(query.q);
        q = q.where((eb) =>
          eb.or([
            eb(sql`email_normalized`, 'like', sql`${pattern} escape '\\'`),
            eb(sql`lower(name)`, 'like', sql`${pattern} escape '\\'`),
          ]),
        );
      }
      if (query.status) q = q.where('status', '=', query.status);
      if (query.role) q = q.where('role', '=', query.role);
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const column = query.sort.key === 'email' ? 'email_normalized' : query.sort.key;
      const dir = query.sort.desc ? 'desc' : 'asc';
      const items = await q
        .selectAll()
        .orderBy(column, dir)
        // The id is sortable by creation and unique: a stable order for equal keys across pages.
        .orderBy('id', dir)
        .offset(query.offset)
        .limit(query.limit)
        .execute();
      return { items, total: Number(total.n) };
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
