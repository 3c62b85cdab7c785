import type { Cache } from '../cache/port.js';
import type { Config } from '../config/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import type { EventService } from '../events/service.js';
import type { Mailer } from '../mail/types.js';
import type { SessionService } from '../sessions/service.js';
import type { Clock } from '../shared/clock.js';
import type { InvitationStore } from './invitation-store.js';
import type { LinkStore } from './link-store.js';
import type { AccountUrls } from './links.js';
import type { PasswordPolicy } from './password-policy.js';
import type { UserStore } from './store.js';

/** Where a request came from, for events, mails and the reset log. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** Stores bound to one database transaction. */
export interface TxStores {
  users: UserStore;
  invitations: InvitationStore;
}

/** What the account services share. Each takes the subset it uses. */
export interface AccountDeps {
  users: UserStore;
  links: LinkStore;
  invitations: InvitationStore;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  sessions: SessionService;
  events: EventService;
  mailer: Mailer;
  cache: Cache;
  keyring: Keyring;
  clock: Clock;
  urls: AccountUrls;
  config: Pick<Config, 'registration' | 'require_email_verification' | 'accounts'>;
  /** Runs `fn` in one database transaction with stores bound to it. */
  transaction<T>(fn: (tx: TxStores) => Promise<T>): Promise<T>;
}
