import type { DualMigration } from './helpers.js';

/**
 * Refresh tokens: a chain inside their session. Only the SHA-256 of the token is stored;
 * `consumed_at` makes each single use (one conditional UPDATE), `replaced_by` links the chain.
 * Deleting a session takes its tokens with it. Extra session indexes serve the cleanup job.
 */
export const refreshTokens: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('refresh_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .addColumn('replaced_by', 'text')
      .execute();
    await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute();
    await db.schema.createIndex('refresh_tokens_expiry_idx').on('refresh_tokens').column('expires_at').execute();
    await db.schema.createIndex('sessions_absolute_idx').on('sessions').column('absolute_expires_at').execute();
    await db.schema.createIndex('sessions_revoked_idx').on('sessions').column('revoked_at').execute();
  },
});
