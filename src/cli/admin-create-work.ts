import pino from 'pino';
import { accountUrls } from '../accounts/links.js';
import { createLinkStore } from '../accounts/link-store.js';
import { createPasswordPolicy } from '../accounts/password-policy.js';
import { createResetLinks } from '../accounts/reset-links.js';
import { createAccountSettingsStore } from '../accounts/settings-store.js';
import { createUserStore } from '../accounts/store.js';
import { createSuperusers, type SuperuserInput } from '../accounts/superuser.js';
import type { Config } from '../config/schema.js';
import { createPasswordHasher } from '../crypto/passwords.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { createEventService } from '../events/service.js';
import { createEventStore } from '../events/store.js';
import { systemClock } from '../shared/clock.js';

/** Opens the database (migrating it like the server would) and creates one superuser. */
export async function createSuperuserFromCli(config: Config, input: SuperuserInput) {
  const db = openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir });
  const logger = pino({ level: 'error' }, pino.destination(2));
  const events = createEventService({ store: createEventStore(db.kysely), clock: systemClock, logger });
  try {
    if (config.migrate_on_start) await migrateToLatest(db);
    const superusers = createSuperusers({
      users: createUserStore(db.kysely, db.dialect),
      hasher: createPasswordHasher({
        memoryKib: config.password.argon2_memory_kib,
        iterations: config.password.argon2_iterations,
        parallelism: config.password.argon2_parallelism,
      }),
      policy: createPasswordPolicy(config.password, config.brand.product_name),
      events,
      clock: systemClock,
      resetLinks: createResetLinks({ links: createLinkStore(db.kysely), clock: systemClock, urls: accountUrls(config.public_url), config }),
      settings: createAccountSettingsStore(db.kysely),
    });
    return await superusers.create(input, 'cli');
  } finally {
    await events.flush();
    await events.feed.stop();
    await db.close();
  }
}
