import { Migrator, type MigrationResultSet } from 'kysely';
import type { Db } from './connect.js';
import { migrationsFor } from './migrations/index.js';

/** Applies every pending migration in order, reporting each step; throws on the first failure. */
export async function migrateToLatest(db: Db, report: (line: string) => void = () => {}): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrationsFor(db.dialect) },
    // Keep the bookkeeping tables in the same schema as the data when one is named.
    ...(db.schema ? { migrationTableSchema: db.schema } : {}),
  });
  const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
  if (pending.length === 0) {
    report('database schema is up to date');
    return [];
  }
  for (const name of pending) report(`migrating: ${name}`);
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  for (const r of results ?? []) report(`${r.status === 'Success' ? 'applied' : r.status.toLowerCase()}: ${r.migrationName}`);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
