import type { DualMigration } from './helpers.js';

/** Instance settings, job leases and the events table (ids from a sequence on both databases). */
export const foundation: DualMigration = (dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('instance_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('job_leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('events')
      .addColumn('id', t.serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('time', t.bigint, (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('target_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_time_idx').on('events').column('time').execute();
    await db.schema.createIndex('events_type_idx').on('events').columns(['type', 'id']).execute();
    await db.schema.createIndex('events_target_idx').on('events').columns(['target_id', 'id']).execute();
  },
});
