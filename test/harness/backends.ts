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

/** A fresh, empty Postgres schema for one test file; `drop` removes it. */
export async function freshPostgresSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `t_${uniq()}`;
  const c = new pg.Client({ connectionString: PG_BASE });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  const url = new URL(PG_BASE);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: PG_BASE });
      await d.connect();
      await d.query(`drop schema if exists ${schema} cascade`);
      await d.end();
    },
  };
}

/** A Redis key prefix no other test run uses. */
export const freshRedisPrefix = () => `gh-test:${uniq()}:`;
