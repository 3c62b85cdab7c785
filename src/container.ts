import type { Logger } from 'pino';
import { openCache, type Cache } from './cache/index.js';
import { resolveMasterSecret } from './config/master-secret.js';
import type { Config } from './config/schema.js';
import { Keyring } from './crypto/keyring.js';
import { openDatabase, type Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { createEventService } from './events/service.js';
import { createEventStore } from './events/store.js';
import { eventRetentionJob } from './events/retention.js';
import { createLeaseStore } from './jobs/lease.js';
import { createScheduler } from './jobs/scheduler.js';
import { createMetrics } from './observability/metrics.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createUserStore } from './accounts/store.js';
import { createPasswordHasher } from './crypto/passwords.js';
import { createSessionStore } from './sessions/store.js';
import { createSessionService } from './sessions/service.js';
import { sessionCookie } from './sessions/cookie.js';
import { createAuthenticator } from './sessions/authenticator.js';
import { createLoginService } from './login/service.js';
import { createMfa } from './mfa/wiring.js';
import { createProtectionService } from './protection/service.js';
import { createProtectionStore } from './protection/store.js';
import { createAccounts } from './accounts/wiring.js';
import { createMailer } from './mail/mailer.js';
import { createKeyStore } from './keys/store.js';
import { createKeyService } from './keys/service.js';
import { createJwtService } from './tokens/jwt.js';
import { createGeoLocator } from './geo/locate.js';
import { createActivityTracker } from './sessions/activity.js';
import { createSessionLiveness } from './sessions/liveness.js';
import { createRefreshStore } from './tokens/refresh-store.js';
import { createGroupCommit } from './db/group-commit.js';
import { createTokenService } from './tokens/service.js';
import { createBearerVerifier } from './tokens/bearer.js';
import { sessionCleanupJob } from './jobs/cleanup.js';

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
  // Before the database opens: a bad SMTP URL or brand colour stops start-up with nothing to clean up.
  const mailer = createMailer({ config, logger, clock });
  report(`mail: ${mailer.describe()}`);

  const db: Db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
  const cache: Cache = openCache({ redisUrl: config.redis_url, prefix: config.redis_prefix, clock });
  try {
    if (config.migrate_on_start) await migrateToLatest(db, report);
  } catch (err) {
    await Promise.allSettled([db.close(), cache.close()]);
    throw err;
  }

  const metrics = createMetrics();
  const eventStore = createEventStore(db.kysely);
  const events = createEventService({ store: eventStore, clock, logger, cache, streamPollMs: config.events.stream_poll * 1000 });
  // Scheduled jobs: every instance ticks, the job's lease picks one runner (src/jobs/scheduler.ts).
  const scheduler = createScheduler({ leases: createLeaseStore(db.kysely), clock, logger });
  scheduler.add(
    eventRetentionJob({
      store: eventStore,
      clock,
      retentionSeconds: config.events.retention,
      intervalSeconds: config.events.prune_interval,
    }),
  );

  const closers: Array<() => Promise<void>> = [];
  closers.push(() => mailer.close());
  closers.push(() => scheduler.stop());
  closers.push(() => events.feed.stop());

  // signing keys and access tokens: a signer must exist before the first request
  const keys = createKeyService({ store: createKeyStore(db.kysely), keyring, clock, config, logger, events });
  try {
    await keys.ensureSigners();
  } catch (err) {
    await Promise.allSettled([...closers.map((fn) => fn()), db.close(), cache.close()]);
    throw err;
  }
  const stopKeyTimers = keys.startTimers();
  closers.push(async () => stopKeyTimers());
  const jwt = createJwtService({ keys, config, clock });

  // accounts, sessions, login
  const users = createUserStore(db.kysely, db.dialect, db.sqlite);
  const hasher = createPasswordHasher({
    memoryKib: config.password.argon2_memory_kib,
    iterations: config.password.argon2_iterations,
    parallelism: config.password.argon2_parallelism,
  });
  await hasher.warm();
  const geo = createGeoLocator();
  const sessionStore = createSessionStore(db.kysely);
  const sessions = createSessionService({
    store: sessionStore,
    cache,
    clock,
    events,
    locate: geo.locate,
    lifetimes: {
      idleTtl: config.sessions.idle_ttl,
      idleTtlRemember: config.sessions.idle_ttl_remember,
      absoluteTtl: config.sessions.absolute_ttl,
    },
  });
  // The hot path: liveness map (revocations from every instance drop entries), write-behind activity.
  const activity = createActivityTracker({ store: sessionStore, clock, locate: geo.locate, logger, idleTtl: sessions.idleTtl });
  activity.start();
  closers.push(() => activity.stop());
  const liveness = createSessionLiveness({ store: sessionStore, cache, clock, pendingIdle: activity.grantedIdle });
  sessions.onRevoked((sid) => void liveness.forget(sid));
  closers.push(await sessions.listenForRemoteRevocations());
  const cookie = sessionCookie(config.public_url);
  const authenticator = createAuthenticator({ liveness, activity, users, cookie });
  const refreshStore = createRefreshStore(db.kysely, db.sqlite && createGroupCommit(db.sqlite), db.prepared);
  const tokens = createTokenService({
    refresh: refreshStore,
    sessions,
    jwt,
    clock,
    events,
    config: config.tokens,
    onExtended: (sid) => liveness.forget(sid, { shared: true }),
  });
  authenticator.setBearerVerifier(createBearerVerifier({ jwt, liveness }));
  scheduler.add(
    sessionCleanupJob({
      sessions: sessionStore,
      refresh: refreshStore,
      clock,
      intervalSeconds: config.sessions.cleanup_interval,
      endedRetention: config.sessions.ended_retention,
    }),
  );
  const accounts = createAccounts({ config, db, users, hasher, sessions, events, mailer, cache, keyring, clock, logger });
  closers.push(() => accounts.attempts.close());
  // rate limits, brute-force ladder, blacklist and network rules, account lockout
  const protection = createProtectionService({
    config: config.protection,
    store: createProtectionStore(db.kysely),
    cache,
    clock,
    events,
    logger,
    mailer,
  });
  try {
    await protection.start();
  } catch (err) {
    await Promise.allSettled([...closers.map((fn) => fn()), db.close(), cache.close()]);
    throw err;
  }
  closers.push(() => protection.stop());
  const login = createLoginService({
    users,
    hasher,
    sessions,
    events,
    clock,
    singleSessionDefault: config.sessions.single_session,
    recordAttempt: accounts.attempts.record,
    guard: protection.passwordGuard,
  });
  // multi-factor authentication: installs its gate on the login service, so every login path passes it
  const mfa = createMfa({ config, db, cache, keyring, clock, events, logger, mailer, users, hasher, sessions, login, protection, scheduler });
  accounts.passwords.setTrustedDeviceRevoker(mfa.revokeAllTrustedDevices);
  try {
    for (const line of await accounts.superusers.bootstrap(config.bootstrap_admin_email, config.bootstrap_admin_password)) report(line);
  } catch (err) {
    await Promise.allSettled([...closers.map((fn) => fn()), db.close(), cache.close()]);
    throw err;
  }

  return {
    config,
    clock,
    logger,
    keyring,
    db,
    cache,
    metrics,
    events,
    eventStore,
    scheduler,
    mailer,
    keys,
    jwt,
    users,
    hasher,
    sessions,
    activity,
    liveness,
    tokens,
    cookie,
    authenticator,
    login,
    accounts,
    protection,
    mfa,
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
