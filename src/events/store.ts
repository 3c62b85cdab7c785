import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { EventTable } from '../db/foundation-tables.js';
import type { Insertable } from 'kysely';

/** SQL for the events table. */
export function createEventStore(db: Kysely<Database>) {
  return {
    /** Inserts a batch and returns the ids the sequence gave, in order. */
    async insertMany(rows: Array<Insertable<EventTable>>): Promise<number[]> {
      if (rows.length === 0) return [];
      const out = await db.insertInto('events').values(rows).returning('id').execute();
      return out.map((r) => Number(r.id));
    },
  };
}
export type EventStore = ReturnType<typeof createEventStore>;
