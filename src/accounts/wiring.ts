import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Cache } from '../cache/port.js';
import type { Config } from '../config/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import type { Db } from '../db/connect.js';
import type { EventService } from '../events/service.js';
import { RotatingFile } from '../logging/rotating-file.js';
import type { Mailer } from '../mail/types.js';
import type { SessionService } from '../sessions/service.js';
import type { Clock } from '../shared/clock.js';
import { createAdminUsers } from '../admin/users-service.js';
import type { AccountDeps } from './deps.js';
import { createInvitationStore } from './invitation-store.js';
import { createInvitations } from './invitations.js';
import { createLinkStore } from './link-store.js';
import { accountUrls } from './links.js';
import { createLoginAttemptLog, createLoginAttemptStore } from './login-attempts.js';
import { createPasswordFlows } from './password-flows.js';
import { createPasswordPolicy } from './password-policy.js';
import { createRegistration } from './registration.js';
import { createResetLinks } from './reset-links.js';
import { createSelfService } from './self-service.js';
import { createAccountSettingsStore } from './settings-store.js';
import { createUserStore, type UserStore } from './store.js';
import { createSuperusers } from './superuser.js';

/** Builds the accounts capability: stores, policy, flows, admin rules and the login-attempt log. */
export function createAccounts(deps: {
  config: Config;
  db: Db;
  users: UserStore;
  hasher: PasswordHasher;
  sessions: SessionService;
  events: EventService;
  mailer: Mailer;
  cache: Cache;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
}) {
  const { config, db, clock } = deps;
  const policy = createPasswordPolicy(config.password, config.brand.product_name);
  const invitationStore = createInvitationStore(db.kysely);
  const shared: AccountDeps = {
    ...deps,
    links: createLinkStore(db.kysely),
    invitations: invitationStore,
    policy,
    urls: accountUrls(config.public_url),
    transaction: (fn) =>
      db.kysely.transaction().execute((trx) => fn({ users: createUserStore(trx, db.dialect), invitations: createInvitationStore(trx) })),
  };
  const passwords = createPasswordFlows(shared);
  const attemptStore = createLoginAttemptStore(db.kysely);
  const authLog = new RotatingFile(
    join(config.data_dir, 'logs', 'auth.log'),
    {
      maxBytes: config.log.file_max_bytes,
      maxAgeMs: config.log.file_max_age * 1000,
      keep: config.log.file_keep,
      rotateEveryMs: config.log.rotate_interval * 1000,
    },
    () => clock.now(),
  );
  return {
    policy,
    urls: shared.urls,
    links: shared.links,
    invitationStore,
    passwords,
    registration: createRegistration({ ...shared, passwords }),
    invitations: createInvitations(shared),
    self: createSelfService(shared),
    admin: createAdminUsers({ ...shared, passwords }),
    superusers: createSuperusers({ ...shared, resetLinks: createResetLinks(shared), settings: createAccountSettingsStore(db.kysely) }),
    attemptStore,
    attempts: createLoginAttemptLog({ store: attemptStore, file: authLog, clock, logger: deps.logger }),
  };
}
export type Accounts = ReturnType<typeof createAccounts>;
