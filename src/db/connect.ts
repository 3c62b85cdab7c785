import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery, type SqliteDatabase } from 'kysely';
import type Pg from 'pg';
import { createRequire } from 'node:module';
import type { Database } from './database.js';

export type DialectName = 'sqlite' | 'postgres';

/** Runs a compiled query as the named prepared statement `name` and returns its rows. */
export type PreparedQuery = <R>(name: string, query: CompiledQuery) => Promise<R[]>;

/** An open database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Postgres schema named by `?schema=` in the URL (tests, shared databases); undefined = default. */
  schema?: string;
  /**
   * The better-sqlite3 handle behind Kysely (SQLite only). Hot paths may run a whole unit of work
   * on it synchronously (db/group-commit.ts, `sqliteGet`) instead of through Kysely's promise chain.
   */
  sqlite?: SQLite.Database;
  /**
   * Postgres only: runs a compiled query as a named prepared statement, which each pooled
   * connection parses and plans once instead of on every call. For the hottest statements
   * (refresh rotation: bench/README.md item 31).
   */
  prepared?: PreparedQuery;
  /** Human-readable location without credentials, for start-up messages. */
  location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
}

const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** Opens SQLite (default, file in the data dir) or Postgres when the URL says postgres://. */
export function openDatabase(opts: DbOptions): Db {
  if (opts.databaseUrl && isPostgresUrl(opts.databaseUrl)) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
  const path = opts.databaseUrl
    ? opts.databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '')
    : resolve(opts.dataDir, 'gatehouse.db');
  return openSqlite(path);
}

/**
 * Kysely's SQLite driver prepares every query afresh; the hot paths run the same few statements
 * thousands of times a second, so compiled statements are kept (bounded, oldest out first). Safe
 * because the driver runs one query at a time on its single connection.
 */
function withStatementCache(native: SQLite.Database, max = 500): SqliteDatabase {
  const statements = statementCache(native, max);
  return { close: () => native.close(), prepare: statements };
}

const caches = new WeakMap<SQLite.Database, (text: string) => SQLite.Statement>();

/** The bounded prepared-statement cache of a handle (one per handle, shared by Kysely and the synchronous paths). */
export function statementCache(native: SQLite.Database, max = 500): (text: string) => SQLite.Statement {
  const existing = caches.get(native);
  if (existing) return existing;

  const statements = new Map<string, SQLite.Statement>();
  const prepare = (text: string) => {
    let stmt = statements.get(text);
    if (!stmt) {
      stmt = native.prepare(text);
      if (statements.size >= max) statements.delete(statements.keys().next().value!);
      statements.set(text, stmt);
    }
    return stmt;
  };
  caches.set(native, prepare);
  return prepare;
}

/**
 * One row by a prepared statement, read synchronously on the handle under Kysely (the hottest
 * reads); undefined when a Kysely transaction is open there, whose uncommitted rows it would see.
 */
export function sqliteGet<R>(native: SQLite.Database, text: string, ...params: unknown[]): { value: R | undefined } | undefined {
  if (native.inTransaction) return undefined;
  return { value: statementCache(native)(text).get(...params) as R | undefined };
}


function openSqlite(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const native = new SQLite(path);
  native.pragma('journal_mode = WAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commit.
  native.pragma('synchronous = NORMAL');
  // SQLite's default page cache is 2 MB; token and session indexes outgrow it quickly, and every
  // miss is a read system call. The cache fills only as pages are used, so a small database
  // does not pay for the bound (bench/README.md: refresh ≈ 20% less CPU per rotation).
  native.pragma('cache_size = -32768');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(native) }) });
  return {
    kysely,
    dialect: 'sqlite',
    sqlite: native,
    location: `sqlite:${resolve(path)}`,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}

function openPostgres(url: string, poolSize: number): Db {
  // Required here, not at start: a SQLite deployment never pays for the Postgres driver.
  const pg = createRequire(import.meta.url)('pg') as typeof Pg;
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new Error('DATABASE_URL: schema must be a plain identifier');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: poolSize,
    connectionTimeoutMillis: 5000,
    options: schema ? `-c search_path=${schema}` : undefined,
    // int8 columns hold epoch milliseconds and counters: well inside 2^53, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // A name stands for one text on every connection; a second text under it would be a bug here.
  const preparedTexts = new Map<string, string>();
  const prepared: PreparedQuery = async <R>(name: string, query: CompiledQuery): Promise<R[]> => {
    const known = preparedTexts.get(name);
    if (known === undefined) preparedTexts.set(name, query.sql);
    else if (known !== query.sql) throw new Error(`prepared statement ${name} used with a different text`);
    const r = await pool.query({ name, text: query.sql, values: query.parameters as unknown[] });
    return r.rows as R[];
  };
  parsed.password = '';
  parsed.username = parsed.username ? parsed.username : '';
  return {
    kysely,
    dialect: 'postgres',
    schema: schema ?? undefined,
    prepared,
    location: `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}
