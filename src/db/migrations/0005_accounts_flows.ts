import type { DualMigration } from './helpers.js';

/**
 * Account flows: email verifications (link token + 6-digit code), password reset and setup links,
 * invitations, and the login-attempt log. Secrets are stored only as hashes (SHA-256 for random
 * tokens, HMAC for codes); `consumed_at` makes each single use through one conditional UPDATE.
 */
export const accountsFlows: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('email_verifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .execute();
    await db.schema.createIndex('email_verifications_user_idx').on('email_verifications').columns(['user_id', 'consumed_at']).execute();

    await db.schema
      .createTable('password_resets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('requested_ip', 'text')
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .execute();
    await db.schema.createIndex('password_resets_user_idx').on('password_resets').columns(['user_id', 'consumed_at']).execute();

    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_normalized', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .addColumn('revoked_at', t.bigint)
      .execute();
    await db.schema.createIndex('invitations_email_idx').on('invitations').column('email_normalized').execute();
    await db.schema.createIndex('invitations_created_idx').on('invitations').column('created_at').execute();

    await db.schema
      .createTable('login_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('time', t.bigint, (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_normalized', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('success', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('login_attempts_time_idx').on('login_attempts').column('time').execute();
    await db.schema.createIndex('login_attempts_user_idx').on('login_attempts').columns(['user_id', 'time']).execute();
    await db.schema.createIndex('login_attempts_ip_idx').on('login_attempts').columns(['ip', 'time']).execute();
    await db.schema.createIndex('login_attempts_email_idx').on('login_attempts').columns(['email_normalized', 'time']).execute();
  },
});
