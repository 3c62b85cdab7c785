import type { Logger } from 'pino';
import type { Role } from '../accounts/roles.js';
import type { UserStore } from '../accounts/store.js';
import type { Cache } from '../cache/port.js';
import type { Config } from '../config/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import type { Db } from '../db/connect.js';
import type { EventService } from '../events/service.js';
import type { LoginService } from '../login/service.js';
import type { Mailer } from '../mail/mailer.js';
import type { ProtectionService } from '../protection/service.js';
import type { SessionService } from '../sessions/service.js';
import type { Clock } from '../shared/clock.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { mfaCleanupJob } from './cleanup.js';
import { createCodeHasher } from './code-hash.js';
import { createTrustedDevices } from './devices/service.js';
import { createTrustedDeviceStore } from './devices/store.js';
import { createEmailOtp } from './email-otp/service.js';
import { createMfaEnrolment } from './enrolment.js';
import { createMfaLimits } from './limits.js';
import { createOobCodes } from './oob-codes.js';
import { createPasswordlessLogin } from './passkeys/passwordless.js';
import { createPasskeys } from './passkeys/service.js';
import { createPasskeyStore } from './passkeys/store.js';
import { createRecoveryCodes } from './recovery-codes/service.js';
import { createRecoveryCodeStore } from './recovery-codes/store.js';
import { createMfaService } from './service.js';
import { createSmsProvider } from './sms/provider.js';
import { createSmsOtp } from './sms/service.js';
import { createMfaStore } from './store.js';
import { createTotp } from './totp/service.js';
import { createMfaTransactions } from './transactions.js';

/**
 * Builds the MFA capability from the container's parts and installs its gate on the login
 * service, so every login path (cookie, token, later OIDC) passes through it.
 */
export function createMfa(deps: {
  config: Config;
  db: Db;
  cache: Cache;
  keyring: Keyring;
  clock: Clock;
  events: EventService;
  logger: Logger;
  mailer: Mailer;
  users: UserStore;
  hasher: PasswordHasher;
  sessions: SessionService;
  login: LoginService;
  protection?: Pick<ProtectionService, 'recordFailure' | 'recordSuccess'>;
  scheduler?: Pick<Scheduler, 'add'>;
}) {
  const { config, clock, events, keyring } = deps;
  const kysely = deps.db.kysely;
  const c = config.mfa;
  const publicUrl = new URL(config.public_url);

  const store = createMfaStore(kysely);
  const hasher = createCodeHasher(keyring, config.master_secret_previous);
  const transactions = createMfaTransactions({ db: kysely, clock, ttlSeconds: c.token_ttl });
  const limits = createMfaLimits({
    cache: deps.cache,
    clock,
    events,
    settings: { sendLimitPerDay: c.send_limit_per_day, maxFailures: c.max_failures, lockSeconds: c.lock_duration },
  });
  const codes = createOobCodes({ db: kysely, clock, hasher, ttlSeconds: c.code_ttl, maxAttempts: c.code_attempts });
  const totp = createTotp({ store, keyring, clock, issuer: c.totp_issuer ?? config.brand.product_name });
  const email = createEmailOtp({ store, codes, limits, clock, mailer: deps.mailer });
  const smsProvider = createSmsProvider({ config, logger: deps.logger, clock });
  const sms = createSmsOtp({ store, codes, limits, clock, provider: smsProvider, logger: deps.logger, productName: config.brand.product_name });
  const recovery = createRecoveryCodes({ store: createRecoveryCodeStore(kysely), methods: store, hasher, clock });
  const passkeys = createPasskeys({
    store: createPasskeyStore(kysely),
    clock,
    rp: {
      id: c.webauthn_rp_id ?? publicUrl.hostname,
      name: config.brand.product_name,
      origins: c.webauthn_origins.length ? [...c.webauthn_origins] : [publicUrl.origin],
    },
  });
  const devices = createTrustedDevices({
    store: createTrustedDeviceStore(kysely),
    keyring,
    kids: hasher.kids,
    clock,
    events,
    ttlSeconds: c.trusted_device_ttl,
    secureCookie: publicUrl.protocol === 'https:',
  });
  const service = createMfaService({
    store,
    transactions,
    limits,
    totp,
    email,
    sms,
    recovery,
    passkeys,
    devices,
    users: deps.users,
    login: deps.login,
    events,
    requiredRoles: c.required_roles as Role[],
    protection: deps.protection,
  });
  const enrolment = createMfaEnrolment({
    store,
    mfa: service,
    passkeys,
    recovery,
    devices,
    transactions,
    limits,
    login: deps.login,
    sessions: deps.sessions,
    hasher: deps.hasher,
    events,
    clock,
    reauthMaxAgeSeconds: c.reauth_max_age,
  });
  const passwordless = createPasswordlessLogin({ enabled: c.passkey_passwordless, passkeys, users: deps.users, login: deps.login, events });
  deps.login.setMfaGate(service.gate);
  deps.scheduler?.add(mfaCleanupJob({ db: kysely, clock, intervalSeconds: c.cleanup_interval }));

  return {
    store,
    transactions,
    limits,
    totp,
    email,
    sms,
    smsProvider,
    recovery,
    passkeys,
    devices,
    service,
    enrolment,
    passwordless,
    /** For password change and reset: a new password ends every trusted device. */
    revokeAllTrustedDevices: (userId: string, reason = 'password_changed') => devices.revokeAll(userId, reason),
  };
}
export type Mfa = ReturnType<typeof createMfa>;
