import type { DualMigration } from './helpers.js';

/**
 * Protection: the IP blacklist (manual entries and automatic ladder blocks), network allow/deny
 * rules, and per-account lockout state. Hot-path reads come from an in-process snapshot; these
 * tables are the durable truth every instance reloads from.
 */
export const protection: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('ip_blacklist')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cidr', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint)
      .execute();
    await db.schema.createIndex('ip_blacklist_cidr_idx').on('ip_blacklist').columns(['cidr', 'source']).execute();
    await db.schema.createIndex('ip_blacklist_expiry_idx').on('ip_blacklist').column('expires_at').execute();

    await db.schema
      .createTable('network_rules')
      .addColumn('position', 'integer', (c) => c.primaryKey())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('cidr', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('account_lockouts')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', t.bigint)
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .execute();
  },
});
