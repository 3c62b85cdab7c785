import { sql } from 'kysely';
import type { DualMigration } from './helpers.js';

/**
 * Two session indexes that every login wrote a page of for no reader (bench/README.md item 44):
 * - the cleanup job's index of revoked sessions now holds only revoked ones. As a full index it
 *   also held every live session under NULL; its only query (`revoked_at <= ?`) implies NOT NULL,
 *   which both SQLite and Postgres use to pick a partial index.
 * - the absolute-expiry index goes. The idle expiry never passes the absolute one (every writer
 *   caps it there), so a session past its absolute expiry is past its idle expiry too, and the
 *   cleanup finds it through the idle-expiry index.
 */
export const sessionIndexes: DualMigration = () => ({
  async up(db) {
    await db.schema.dropIndex('sessions_revoked_idx').execute();
    await db.schema
      .createIndex('sessions_revoked_idx')
      .on('sessions')
      .column('revoked_at')
      .where(sql.ref('revoked_at'), 'is not', null)
      .execute();
    await db.schema.dropIndex('sessions_absolute_idx').execute();
  },
});
