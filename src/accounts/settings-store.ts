import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** The instance settings the accounts capability keeps (bootstrap marker). */
export function createAccountSettingsStore(db: Kysely<Database>) {
  return {
    get: async (key: string): Promise<string | undefined> =>
      (await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirst())?.value,
    /** Sets a key only if it is not set yet; true when this call set it. */
    async setOnce(key: string, value: string, now: number): Promise<boolean> {
      const r = await db
        .insertInto('instance_settings')
        .values({ key, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}
export type AccountSettingsStore = ReturnType<typeof createAccountSettingsStore>;
