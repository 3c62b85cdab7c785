import { sql } from 'kysely';
import type { DualMigration } from './helpers.js';

/**
 * The cleanup job's index of revoked sessions holds only revoked ones. As a full index it also
 * held every live session under NULL, so each login wrote one more index page for no reader: the
 * only query on it (`revoked_at <= ?`) implies NOT NULL, which both SQLite and Postgres use to
 * pick a partial index.
 */
export const sessionsRevokedPartial: DualMigration = () => ({
  async up(db) {
    await db.schema.dropIndex('sessions_revoked_idx').execute();
    await db.schema
      .createIndex('sessions_revoked_idx')
      .on('sessions')
      .column('revoked_at')
      .where(sql.ref('revoked_at'), 'is not', null)
      .execute();
  },
});
