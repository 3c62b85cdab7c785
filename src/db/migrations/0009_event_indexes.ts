import type { DualMigration } from './helpers.js';

/**
 * Indexes for the admin event filters that 0001 did not cover: by actor (user_id matches actor
 * or target), by IP and by level. Each ends in `id` so a filtered page reads newest-first from
 * the index instead of sorting a large table.
 */
export const eventIndexes: DualMigration = () => ({
  async up(db) {
    await db.schema.createIndex('events_actor_idx').on('events').columns(['actor_id', 'id']).execute();
    await db.schema.createIndex('events_ip_idx').on('events').columns(['ip', 'id']).execute();
    await db.schema.createIndex('events_level_idx').on('events').columns(['level', 'id']).execute();
  },
});
