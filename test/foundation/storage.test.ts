import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import { createEventStore } from '../../src/events/store.js';
import { backends, freshPostgresSchema, postgresAvailable, type BackendName } from '../harness/backends.js';
import { runGatehouse } from '../harness/cli.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A fresh, empty database of the given kind: SQLite in a temp dir, or its own Postgres schema. */
async function freshDatabase(backend: BackendName): Promise<{ databaseUrl: string | null; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-db-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  if (backend === 'sqlite') return { databaseUrl: null, dataDir };
  const pg = await freshPostgresSchema();
  cleanups.push(pg.drop);
  return { databaseUrl: pg.url, dataDir };
}

async function open(backend: BackendName): Promise<Db> {
  const db = openDatabase(await freshDatabase(backend));
  cleanups.push(() => db.close());
  return db;
}

/** Every migration name, in the order they apply. */
const allMigrations = Object.keys(migrationsFor('sqlite')).sort();

/** Table → sorted column names, without the migrator's own bookkeeping tables. */
async function tableShapes(db: Db): Promise<Record<string, string[]>> {
  const rows =
    db.dialect === 'sqlite'
      ? (
          await sql<{ t: string; c: string }>`
            select m.name as t, p.name as c from sqlite_master m join pragma_table_info(m.name) p
            where m.type = 'table' and m.name not like 'sqlite_%'`.execute(db.kysely)
        ).rows
      : (
          await sql<{ t: string; c: string }>`
            select table_name as t, column_name as c from information_schema.columns
            where table_schema = current_schema()`.execute(db.kysely)
        ).rows;
  const out: Record<string, string[]> = {};
  for (const r of rows) if (!r.t.startsWith('kysely_')) (out[r.t] ??= []).push(r.c);
  for (const cols of Object.values(out)) cols.sort();
  return out;
}

describe.each(backends)('migrations on %s', (backend) => {
  it('migrates a fresh database printing each step, then says it is up to date', async () => {
    const db = await open(backend);
    const first: string[] = [];
    const applied = await migrateToLatest(db, (line) => first.push(line));
    expect(applied).toEqual(allMigrations);
    // Each pending step is announced, then reported applied, in order.
    expect(first).toEqual([...allMigrations.map((m) => `migrating: ${m}`), ...allMigrations.map((m) => `applied: ${m}`)]);

    const second: string[] = [];
    expect(await migrateToLatest(db, (line) => second.push(line))).toEqual([]);
    expect(second).toEqual(['database schema is up to date']);
  });

  it('sets up the dialect as specified', async () => {
    const db = await open(backend);
    await db.ping();
    if (backend === 'sqlite') {
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
      expect(journal.rows[0]?.journal_mode).toBe('wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db.kysely);
      expect(fk.rows[0]?.foreign_keys).toBe(1);
    } else {
      // Each test file gets its own schema through ?schema=: the connection's search_path points at it.
      const schema = await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely);
      expect(schema.rows[0]?.s).toMatch(/^t_[0-9a-f]+$/);
    }
  });

  it('the events store gets ids from the sequence, increasing across batches', async () => {
    const db = await open(backend);
    await migrateToLatest(db);
    const store = createEventStore(db.kysely);
    const row = (type: string) => ({ type, level: 'info', time: Date.now(), actor_id: null, ip: '127.0.0.1', user_agent: null, target_id: null, data: '{}' });
    const first = await store.insertMany([row('user_created'), row('login_succeeded'), row('logout')]);
    expect(first).toHaveLength(3);
    for (const id of first) expect(Number.isInteger(id)).toBe(true);
    expect(first[1]).toBeGreaterThan(first[0]!);
    expect(first[2]).toBeGreaterThan(first[1]!);
    const second = await store.insertMany([row('login_failed')]);
    expect(second[0]).toBeGreaterThan(first[2]!);
    expect(await store.insertMany([])).toEqual([]);
    const stored = await db.kysely.selectFrom('events').select(['id', 'type']).orderBy('id').execute();
    expect(stored.map((r) => [Number(r.id), r.type])).toEqual([
      [first[0], 'user_created'],
      [first[1], 'login_succeeded'],
      [first[2], 'logout'],
      [second[0], 'login_failed'],
    ]);
  });

  it('`gatehouse migrate` (the real CLI) prints each step, then that the schema is up to date', { timeout: 180_000 }, async () => {
    const { databaseUrl, dataDir } = await freshDatabase(backend);
    const env: Record<string, string> = { APP_ENV: 'test', GATEHOUSE_DATA_DIR: dataDir };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const first = await runGatehouse(['migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(backend === 'sqlite' ? `database: sqlite:${join(dataDir, 'gatehouse.db')}` : 'database: postgres://');
    for (const m of allMigrations) expect(first.stdout).toContain(`applied: ${m}`);
    expect(first.stdout).not.toMatch(/postgres:\/\/[^\s]*:[^\s]*@/); // never a password
    const second = await runGatehouse(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('database schema is up to date');
  });
});

describe.runIf(postgresAvailable)('one schema on both databases', () => {
  it('SQLite and Postgres end up with the same tables and columns', async () => {
    const lite = await open('sqlite');
    const pg = await open('postgres');
    await migrateToLatest(lite);
    await migrateToLatest(pg);
    const shapes = await tableShapes(lite);
    expect(Object.keys(shapes)).toContain('events');
    expect(await tableShapes(pg)).toEqual(shapes);
  });
});

describe.runIf(postgresAvailable)('prepared statements on Postgres', () => {
  it('runs a named statement in the connection schema, and refuses a second text under the same name', async () => {
    const db = await open('postgres');
    await migrateToLatest(db);
    expect(db.prepared).toBeDefined();
    const prepared = db.prepared!;
    const count = sql<{ n: number }>`select count(*)::int as n from users where email_normalized <> ${'x'}`.compile(db.kysely);
    // Repeated runs: after the first, a connection executes the statement it already prepared.
    for (let i = 0; i < 15; i++) expect(await prepared('storage_test_count', count)).toEqual([{ n: 0 }]);
    const other = sql<{ n: number }>`select 1 as n`.compile(db.kysely);
    await expect(prepared('storage_test_count', other)).rejects.toThrow(/different text/);
    // The statement was prepared on the server: the session that ran it lists it.
    const listed = await prepared<{ name: string }>('storage_test_list', sql<{ name: string }>`select name from pg_prepared_statements where name = ${'storage_test_list'}`.compile(db.kysely));
    expect(listed).toEqual([{ name: 'storage_test_list' }]);
  });
});
