import type { DualMigration } from './helpers.js';

/**
 * Multi-factor authentication: methods, mailed/texted codes, recovery codes, pending logins
 * (mfa_token), WebAuthn challenges and passkeys, trusted devices. Everything hangs off the user
 * and goes with it.
 */
export const mfa: DualMigration = (_dialect, t) => ({
  async up(db) {
    await db.schema
      .createTable('mfa_methods')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('secret_envelope', 'text')
      .addColumn('phone_number', 'text')
      .addColumn('last_used_step', t.bigint)
      .addColumn('confirmed_at', t.bigint)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('last_used_at', t.bigint)
      .execute();
    await db.schema.createIndex('mfa_methods_user_idx').on('mfa_methods').columns(['user_id', 'type']).execute();

    await db.schema
      .createTable('mfa_transactions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('remember_me', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .execute();
    await db.schema.createIndex('mfa_transactions_user_idx').on('mfa_transactions').column('user_id').execute();
    await db.schema.createIndex('mfa_transactions_expiry_idx').on('mfa_transactions').column('expires_at').execute();

    await db.schema
      .createTable('mfa_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('method_id', 'text', (c) => c.notNull().references('mfa_methods.id').onDelete('cascade'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('transaction_id', 'text', (c) => c.references('mfa_transactions.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mfa_codes_user_idx').on('mfa_codes').columns(['user_id', 'channel', 'created_at']).execute();
    await db.schema.createIndex('mfa_codes_method_idx').on('mfa_codes').column('method_id').execute();
    await db.schema.createIndex('mfa_codes_tx_idx').on('mfa_codes').column('transaction_id').execute();

    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('method_id', 'text', (c) => c.notNull().references('mfa_methods.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .execute();
    await db.schema.createIndex('mfa_recovery_codes_lookup_idx').on('mfa_recovery_codes').columns(['user_id', 'code_hash']).execute();
    await db.schema.createIndex('mfa_recovery_codes_method_idx').on('mfa_recovery_codes').column('method_id').execute();

    await db.schema
      .createTable('webauthn_challenges')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('transaction_id', 'text', (c) => c.references('mfa_transactions.id').onDelete('cascade'))
      .addColumn('challenge', 'text', (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .execute();
    await db.schema.createIndex('webauthn_challenges_lookup_idx').on('webauthn_challenges').columns(['challenge', 'purpose']).execute();
    await db.schema.createIndex('webauthn_challenges_expiry_idx').on('webauthn_challenges').column('expires_at').execute();

    await db.schema
      .createTable('passkeys')
      .addColumn('method_id', 'text', (c) => c.primaryKey().references('mfa_methods.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('credential_id', 'text', (c) => c.notNull().unique())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('counter', t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('transports', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('device_type', 'text', (c) => c.notNull())
      .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('aaguid', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('passkeys_user_idx').on('passkeys').column('user_id').execute();

    await db.schema
      .createTable('trusted_devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('ua_family', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('ip', 'text')
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('last_used_at', t.bigint)
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('revoked_at', t.bigint)
      .addColumn('revoked_reason', 'text')
      .execute();
    await db.schema.createIndex('trusted_devices_user_idx').on('trusted_devices').columns(['user_id', 'revoked_at']).execute();
  },
});
