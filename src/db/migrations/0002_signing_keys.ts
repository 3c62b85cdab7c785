import { sql } from 'kysely';
import type { DualMigration } from './helpers.js';

/**
 * Signing keys: public JWK in clear, private JWK only as a Keyring envelope (purpose
 * 'signing-keys', AAD = kid). A partial unique index keeps at most one active signer per
 * algorithm, so two instances racing to create or rotate cannot both win.
 */
export const signingKeys: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('use', 'text', (c) => c.notNull().defaultTo('sig'))
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_envelope', 'text', (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('activated_at', t.bigint)
      .addColumn('retire_after', t.bigint)
      .addColumn('retired_at', t.bigint)
      .addColumn('status', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('signing_keys_one_active_idx')
      .on('signing_keys')
      .column('alg')
      .unique()
      .where(sql<boolean>`status = 'active'`)
      .execute();
    await db.schema.createIndex('signing_keys_status_idx').on('signing_keys').columns(['status', 'retire_after']).execute();
  },
});
