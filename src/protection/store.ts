import type { ExpressionBuilder, Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { IpBlacklistTable, NetworkRuleTable } from './tables.js';

export type BlacklistRow = Selectable<IpBlacklistTable>;
export type NetworkRuleRow = Selectable<NetworkRuleTable>;
export type NewNetworkRule = Omit<NetworkRuleRow, 'position'>;

/** SQL for the blacklist, network rules and account lockouts. */
export function createProtectionStore(db: Kysely<Database>) {
  const live = (now: number) => (eb: ExpressionBuilder<Database, 'ip_blacklist'>) =>
    eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);
  const selectBlacklist = () => db.selectFrom('ip_blacklist');

  return {
    /** Every entry still in force (the hot-path snapshot). */
    activeBlacklist: (now: number) => selectBlacklist().selectAll().where(live(now)).execute(),

    async pageBlacklist(now: number, page: number, pageSize: number): Promise<{ items: BlacklistRow[]; total: number }> {
      const [items, count] = await Promise.all([
        selectBlacklist()
          .selectAll()
          .where(live(now))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(pageSize)
          .offset((page - 1) * pageSize)
          .execute(),
        selectBlacklist()
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(live(now))
          .executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.n) };
    },

    findBlacklist: (id: string) => selectBlacklist().selectAll().where('id', '=', id).executeTakeFirst(),

    /** A live entry with exactly this cidr and source (duplicates, ladder escalation). */
    findLive: (cidr: string, source: 'manual' | 'auto', now: number) =>
      selectBlacklist().selectAll().where('cidr', '=', cidr).where('source', '=', source).where(live(now)).executeTakeFirst(),

    async insertBlacklist(row: Insertable<IpBlacklistTable>): Promise<BlacklistRow> {
      return db.insertInto('ip_blacklist').values(row).returningAll().executeTakeFirstOrThrow();
    },

    async extendBlacklist(id: string, patch: { expires_at: number | null; reason: string | null }): Promise<BlacklistRow | undefined> {
      return db.updateTable('ip_blacklist').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
    },

    async deleteBlacklist(id: string): Promise<BlacklistRow | undefined> {
      return db.deleteFrom('ip_blacklist').where('id', '=', id).returningAll().executeTakeFirst();
    },

    /** Drops entries that ran out; they no longer block anyone and would only grow the table. */
    async purgeExpired(now: number): Promise<void> {
      await db.deleteFrom('ip_blacklist').where('expires_at', 'is not', null).where('expires_at', '<=', now).execute();
    },

    /** Empties the blacklist (recovery from the CLI); returns how many entries went. */
    async clearBlacklist(): Promise<number> {
      const r = await db.deleteFrom('ip_blacklist').executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    rules: () => db.selectFrom('network_rules').selectAll().orderBy('position').execute(),

    /** Replaces the whole rule list in one transaction, so no instance ever reads half of it. */
    async replaceRules(rules: NewNetworkRule[]): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('network_rules').execute();
        if (rules.length) await tx.insertInto('network_rules').values(rules.map((r, i) => ({ ...r, position: i }))).execute();
      });
    },

    lockout: (userId: string) => db.selectFrom('account_lockouts').selectAll().where('user_id', '=', userId).executeTakeFirst(),

    /** Adds one failure atomically (two instances failing at once both count) and returns the new count. */
    async addLockoutFailure(userId: string, now: number): Promise<number> {
      const row = await db
        .insertInto('account_lockouts')
        .values({ user_id: userId, failures: 1, locked_until: null, updated_at: now })
        .onConflict((oc) =>
          oc.column('user_id').doUpdateSet((eb) => ({ failures: eb(eb.ref('account_lockouts.failures'), '+', 1), updated_at: now })),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      return Number(row.failures);
    },

    /** Locks until `until` and starts the count afresh for the time after the lock. */
    async lock(userId: string, until: number, now: number): Promise<void> {
      await db.updateTable('account_lockouts').set({ locked_until: until, failures: 0, updated_at: now }).where('user_id', '=', userId).execute();
    },

    /** Clears failures and any lock; true when there was something to clear. */
    async clearLockout(userId: string): Promise<boolean> {
      const r = await db.deleteFrom('account_lockouts').where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
export type ProtectionStore = ReturnType<typeof createProtectionStore>;
