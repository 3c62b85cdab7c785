import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { EventTable } from '../db/foundation-tables.js';

export type EventRow = Selectable<EventTable>;

/** What the admin list can filter on; every field optional. Times are epoch ms. */
export interface EventFilter {
  types?: string[];
  levels?: string[];
  /** Matches the actor or the target. */
  userId?: string;
  ip?: string;
  since?: number;
}

/** SQL for the events table. Ids come from one sequence, so `id` orders events cluster-wide. */
export function createEventStore(db: Kysely<Database>) {
  const filtered = (f: EventFilter) => {
    let q = db.selectFrom('events');
    if (f.types?.length) q = q.where('type', 'in', f.types);
    if (f.levels?.length) q = q.where('level', 'in', f.levels);
    if (f.userId !== undefined) {
      const id = f.userId;
      q = q.where((eb) => eb.or([eb('actor_id', '=', id), eb('target_id', '=', id)]));
    }
    if (f.ip !== undefined) q = q.where('ip', '=', f.ip);
    if (f.since !== undefined) q = q.where('time', '>=', f.since);
    return q;
  };

  return {
    /** Inserts a batch and returns the ids the sequence gave, in order. */
    async insertMany(rows: Array<Insertable<EventTable>>): Promise<number[]> {
      if (rows.length === 0) return [];
      const out = await db.insertInto('events').values(rows).returning('id').execute();
      return out.map((r) => Number(r.id));
    },

    /** One page of matching events, newest first, and the total count. */
    async page(f: EventFilter, offset: number, limit: number): Promise<{ rows: EventRow[]; total: number }> {
      const [rows, count] = await Promise.all([
        filtered(f).selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        filtered(f).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },

    /** Events with afterId < id ≤ upTo (when given), oldest first: replay and gap filling. */
    async listAfter(afterId: number, limit: number, upTo?: number): Promise<EventRow[]> {
      let q = db.selectFrom('events').selectAll().where('id', '>', afterId);
      if (upTo !== undefined) q = q.where('id', '<=', upTo);
      return q.orderBy('id', 'asc').limit(limit).execute();
    },

    /** The highest stored id, 0 when there is none. */
    async maxId(): Promise<number> {
      const r = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
      return r?.m == null ? 0 : Number(r.m);
    },

    /**
     * Deletes up to `limit` events older than `before` (epoch ms) and returns how many went.
     * Bounded chunks keep each statement short, so the prune job never holds a long lock.
     */
    async pruneOlderThan(before: number, limit: number): Promise<number> {
      const res = await db
        .deleteFrom('events')
        .where('id', 'in', (eb) => eb.selectFrom('events').select('id').where('time', '<', before).orderBy('id').limit(limit))
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
export type EventStore = ReturnType<typeof createEventStore>;
