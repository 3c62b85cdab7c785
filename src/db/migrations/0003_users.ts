import type { DualMigration } from './helpers.js';

/** Users: email as given plus its normalized form (unique), profile and attributes as JSON text. */
export const users: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_normalized', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('email_verified_at', t.bigint)
      .addColumn('single_session', 'integer')
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addColumn('last_login_at', t.bigint)
      .execute();
    await db.schema.createIndex('users_created_idx').on('users').column('created_at').execute();
    await db.schema.createIndex('users_role_idx').on('users').columns(['role', 'status']).execute();
  },
});
