import type { Migration } from 'kysely';
import type { DialectName } from '../connect.js';
import { bind, type DualMigration } from './helpers.js';
import { foundation } from './0001_foundation.js';

/** Every migration, in order. Forward only: never edit one that has shipped; add the next. */
const all: Array<[string, DualMigration]> = [['0001_foundation', foundation]];

export function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return Object.fromEntries(all.map(([name, m]) => [name, bind(m, dialect)]));
}
