import type { Logger } from 'pino';
import { openCache, type Cache } from './cache/index.js';
import { resolveMasterSecret } from './config/master-secret.js';
import type { Config } from './config/schema.js';
import { Keyring } from './crypto/keyring.js';
import { openDatabase, type Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { createEventService } from './events/service.js';
import { createEventStore } from './events/store.js';
import { createMetrics } from './observability/metrics.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createUserStore } from './accounts/store.js';
import { createPasswordHasher } from './crypto/passwords.js';
import { createSessionStore } from './sessions/store.js';
import { createSessionService } from './sessions/service.js';
import { sessionCookie } from './sessions/cookie.js';
import { createAuthenticator } from './sessions/authenticator.js';
import { createLoginService } from './login/service.js';

export interface ContainerDeps {
  clock?: Clock;
  logger: Logger;
  /** Lines for the operator (migration steps, where things are), printed at start. */
  report?: (line: string) => void;
}

/** The one place where database → stores → services are wired. */
export async function createContainer(config: Config, deps: ContainerDeps) {
  const clock = deps.clock ?? systemClock;
  const report = deps.report ?? ((line: string) => deps.logger.info(line));
  const logger = deps.logger;
  const master = resolveMasterSecret(config);
  if (master.generatedAt) report(`master secret: generated file ${master.generatedAt} (set GATEHOUSE_MASTER_SECRET in production)`);
  const keyring = new Keyring(master.secret, config.master_secret_previous);

  const db: Db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
  const cache: Cache = openCache({ redisUrl: config.redis_url, prefix: config.redis_prefix, clock });
  try {
    if (config.migrate_on_start) await migrateToLatest(db, report);
  } catch (err) {
    await Promise.allSettled([db.close(), cache.close()]);
    throw err;
  }

  const metrics = createMetrics();
  const events = createEventService({ store: createEventStore(db.kysely), clock, logger });

  const closers: Array<() => Promise<void>> = [];

  // accounts, sessions, login
  const users = createUserStore(db.kysely);
  const hasher = createPasswordHasher({
    memoryKib: config.password.argon2_memory_kib,
    iterations: config.password.argon2_iterations,
    parallelism: config.password.argon2_parallelism,
  });
  await hasher.warm();
  const sessions = createSessionService({
    store: createSessionStore(db.kysely),
    cache,
    clock,
    events,
    lifetimes: {
      idleTtl: config.sessions.idle_ttl,
      idleTtlRemember: config.sessions.idle_ttl_remember,
      absoluteTtl: config.sessions.absolute_ttl,
    },
  });
  const cookie = sessionCookie(config.public_url);
  const authenticator = createAuthenticator({ sessions, users, cookie });
  const login = createLoginService({
    users,
    hasher,
    sessions,
    events,
    clock,
    singleSessionDefault: config.sessions.single_session,
  });

  return {
    config,
    clock,
    logger,
    keyring,
    db,
    cache,
    metrics,
    events,
    users,
    hasher,
    sessions,
    cookie,
    authenticator,
    login,
    /** Registers something to stop on shutdown (timers, subscriptions); runs before db and cache close. */
    onClose(fn: () => Promise<void>) {
      closers.push(fn);
    },
    async close(): Promise<void> {
      for (const fn of closers.reverse()) await fn().catch((err) => logger.error({ err }, 'close step failed'));
      await events.flush();
      await Promise.allSettled([db.close(), cache.close()]);
    },
  };
}
export type Container = Awaited<ReturnType<typeof createContainer>>;
