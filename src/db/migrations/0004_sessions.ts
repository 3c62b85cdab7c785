import type { DualMigration } from './helpers.js';

export const sessions: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.unique())
      .addColumn('login_time', t.bigint, (c) => c.notNull())
      .addColumn('login_ip', 'text')
      .addColumn('login_user_agent', 'text')
      .addColumn('login_location', 'text')
      .addColumn('last_active', t.bigint, (c) => c.notNull())
      .addColumn('last_ip', 'text')
      .addColumn('last_user_agent', 'text')
      .addColumn('last_location', 'text')
      .addColumn('remember_me', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('amr', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('idle_expires_at', t.bigint, (c) => c.notNull())
      .addColumn('absolute_expires_at', t.bigint, (c) => c.notNull())
      .addColumn('revoked_at', t.bigint)
      .addColumn('revoked_reason', 'text')
      .execute();
    await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id', 'revoked_at']).execute();
    await db.schema.createIndex('sessions_expiry_idx').on('sessions').column('idle_expires_at').execute();
  },
});
