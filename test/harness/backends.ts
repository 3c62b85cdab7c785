import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

/** Base URLs of the machine's Postgres and Redis (CI passes DATABASE_URL / REDIS_URL). */
export const PG_BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_BASE = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CI = process.env.CI === 'true';

export type BackendName = 'sqlite' | 'postgres';

async function reachable(check: () => Promise<void>, what: string): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (e) {
    if (CI) throw new Error(`${what} is unreachable and CI=true: failing instead of skipping (${(e as Error).message})`);
    console.warn(`${what} unreachable: its tests are skipped (${(e as Error).message})`);
    return false;
  }
}

export const postgresAvailable = await reachable(async () => {
  const c = new pg.Client({ connectionString: PG_BASE, connectionTimeoutMillis: 2000 });
  await c.connect();
  await c.end();
}, `Postgres at ${PG_BASE}`);

export const redisAvailable = await reachable(async () => {
  const r = new Redis(REDIS_BASE, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
  } finally {
    r.disconnect();
  }
}, `Redis at ${REDIS_BASE}`);

/** The backends a "runs on both" suite iterates over; Postgres only when reachable (always in CI). */
export const backends: BackendName[] = postgresAvailable ? ['sqlite', 'postgres'] : ['sqlite'];

const uniq = () => randomBytes(5).toString('hex');

/**
 * A fresh, empty Postgres database for one test file (or server), with a schema of the same name
 * that `?schema=` points the connection at; `drop` removes it. A database each, not only a schema:
 * Kysely's migrator introspects every schema of its database, and a schema dropped by a parallel
 * test file at that moment makes the introspection fail.
 */
export async function freshPostgresSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `t_${uniq()}`;
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`create database ${name} template template0`);
  await admin.end();
  const url = new URL(PG_BASE);
  url.pathname = `/${name}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await c.query(`create schema ${name}`);
  await c.end();
  url.searchParams.set('schema', name);
  return {
    url: url.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: PG_BASE });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}

/** A Redis key prefix no other test run uses. */
export const freshRedisPrefix = () => `gh-test:${uniq()}:`;
