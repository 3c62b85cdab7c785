/**
 * The database as Kysely sees it: every capability declares its tables in its own `tables.ts`
 * and they are gathered here. Times are epoch milliseconds (int8), flags 0/1, JSON as text —
 * the same representation on SQLite and Postgres.
 */
import type { AccountTables } from '../accounts/tables.js';
import type { SessionTables } from '../sessions/tables.js';
import type { FoundationTables } from './foundation-tables.js';
import type { KeyTables } from '../keys/tables.js';
import type { TokenTables } from '../tokens/tables.js';
import type { MfaTables } from '../mfa/tables.js';
import type { ProtectionTables } from '../protection/tables.js';

export interface Database extends FoundationTables, AccountTables, SessionTables, KeyTables, TokenTables, MfaTables, ProtectionTables {}
