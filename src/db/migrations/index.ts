import type { Migration } from 'kysely';
import type { DialectName } from '../connect.js';
import { bind, type DualMigration } from './helpers.js';
import { foundation } from './0001_foundation.js';
import { signingKeys } from './0002_signing_keys.js';
import { users } from './0003_users.js';
import { sessions } from './0004_sessions.js';
import { accountsFlows } from './0005_accounts_flows.js';
import { refreshTokens } from './0006_refresh_tokens.js';
import { mfa } from './0007_mfa.js';
import { protection } from './0008_protection.js';
import { eventIndexes } from './0009_event_indexes.js';
import { sessionIndexes } from './0010_session_indexes.js';

/** Every migration, in order. Forward only: never edit one that has shipped; add the next. */
const all: Array<[string, DualMigration]> = [
  ['0001_foundation', foundation],
  ['0002_signing_keys', signingKeys],
  ['0003_users', users],
  ['0004_sessions', sessions],
  ['0005_accounts_flows', accountsFlows],
  ['0006_refresh_tokens', refreshTokens],
  ['0007_mfa', mfa],
  ['0008_protection', protection],
  ['0009_event_indexes', eventIndexes],
  ['0010_session_indexes', sessionIndexes],
];

export function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return Object.fromEntries(all.map(([name, m]) => [name, bind(m, dialect)]));
}
