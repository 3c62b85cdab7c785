import type { ColumnDataType, Kysely, Migration } from 'kysely';
import type { DialectName } from '../connect.js';

/** Column types that differ by dialect, so a migration is written once for both. */
export interface ColumnTypes {
  /** Epoch milliseconds and counters. */
  bigint: ColumnDataType;
  /** Auto-incrementing integer primary key (events). */
  serial: ColumnDataType;
  /** Free text, JSON documents. */
  text: ColumnDataType;
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  return dialect === 'postgres'
    ? { bigint: 'bigint', serial: 'bigserial', text: 'text' }
    : { bigint: 'integer', serial: 'integer', text: 'text' };
}

/** A migration written against both dialects: it is given the dialect and its column types. */
export type DualMigration = (dialect: DialectName, t: ColumnTypes) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>): Promise<void>;
};

export function bind(m: DualMigration, dialect: DialectName): Migration {
  return m(dialect, columnTypes(dialect));
}
