import { randomDigits } from '../crypto/random.js';
import { AppError } from '../errors/app-error.js';
import { newId } from '../shared/ids.js';
import type { AccountDeps, RequestOrigin } from './deps.js';
import { normalizeEmail } from './email.js';
import { overAddressLimit } from './limits.js';
import { mintToken, tokenHash } from './links.js';
import { isUniqueViolation, newUserRow } from './new-user.js';
import type { PasswordFlows } from './password-flows.js';
import type { UserRow } from './store.js';

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

/**
 * Self-registration and email verification. Registering an address that already has an account
 * answers exactly like a new one (same work, same reply); its owner gets a mail instead.
 */
export function createRegistration(
  deps: Pick<AccountDeps, 'users' | 'links' | 'hasher' | 'policy' | 'events' | 'mailer' | 'cache' | 'keyring' | 'clock' | 'urls' | 'config'> & {
    passwords: PasswordFlows;
  },
) {
  const { users, links, hasher, policy, events, mailer, keyring, clock, urls, config } = deps;

  // The code is bound to its user: a code guessed for one account is worthless for another.
  const codeHash = (userId: string, code: string) => keyring.hmac('otp-codes', `email-verify:${userId}:${code}`);

  /** Mails a fresh link + code; earlier ones die so only one code is ever open to guessing. */
  async function sendVerification(user: UserRow): Promise<void> {
    const now = clock.now();
    await links.retireVerifications(user.id, now);
    const { token, hash } = mintToken();
    const code = randomDigits(6);
    await links.insertVerification({
      id: newId(now),
      user_id: user.id,
      token_hash: hash,
      code_hash: codeHash(user.id, code),
      code_attempts: 0,
      created_at: now,
      expires_at: now + config.accounts.verification_ttl * 1000,
      consumed_at: null,
    });
    mailer.sendInBackground({ template: 'verify_email', to: user.email, vars: { name: user.name, link: urls.verifyEmail(token), code } });
  }

  /** The owner of an existing address learns someone tried; the mail offers a reset link. */
  async function notifyOwner(user: UserRow, origin: RequestOrigin): Promise<void> {
    events.emit('registration_attempt_existing', { actor_id: null, target_id: user.id, ip: origin.ip, user_agent: origin.userAgent });
    if (user.status === 'disabled') return;
    const resetLink = await deps.passwords.mintLink(user, 'reset', origin.ip);
    mailer.sendInBackground({ template: 'registration_attempt', to: user.email, vars: { name: user.name, reset_link: resetLink } });
  }

  /** Marks the address verified; a pending account becomes active and gets the welcome mail. */
  async function markVerified(userId: string, origin: RequestOrigin): Promise<UserRow> {
    const user = await users.findById(userId);
    if (!user) throw new AppError('invalid_link');
    const now = clock.now();
    const activate = user.status === 'pending';
    const updated =
      (await users.update(user.id, {
        email_verified_at: user.email_verified_at ?? now,
        updated_at: now,
        ...(activate ? { status: 'active' as const } : {}),
      })) ?? user;
    await links.retireVerifications(user.id, now);
    events.emit('user_verified', { actor_id: user.id, target_id: user.id, ip: origin.ip, user_agent: origin.userAgent });
    if (user.email_verified_at === null) {
      mailer.sendInBackground({ template: 'welcome', to: user.email, vars: { name: user.name, login_url: urls.home } });
    }
    return updated;
  }

  return {
    sendVerification,

    /** POST /auth/register. Returns whether the caller must verify the address (the same for any address). */
    async register(input: RegisterInput, origin: RequestOrigin): Promise<{ verification_required: boolean }> {
      if (config.registration !== 'open') throw new AppError('registration_closed');
      await policy.enforce(input.password, { email: input.email, name: input.name });
      const verificationRequired = config.require_email_verification;
      // Hash in both branches so an existing address costs the same time as a new one.
      const passwordHash = await hasher.hash(input.password);
      const existing = await users.findByEmail(normalizeEmail(input.email));
      if (existing) {
        await notifyOwner(existing, origin);
        return { verification_required: verificationRequired };
      }
      const now = clock.now();
      let user: UserRow;
      try {
        user = await users.insert(
          newUserRow(
            {
              email: input.email,
              name: input.name,
              role: 'user',
              status: verificationRequired ? 'pending' : 'active',
              passwordHash,
              emailVerifiedAt: null,
            },
            now,
          ),
        );
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Lost a race with another registration of the same address: treat it as existing.
        const raced = await users.findByEmail(normalizeEmail(input.email));
        if (raced) await notifyOwner(raced, origin);
        return { verification_required: verificationRequired };
      }
      events.emit('user_created', {
        actor_id: user.id,
        target_id: user.id,
        ip: origin.ip,
        user_agent: origin.userAgent,
        data: { via: 'registration', status: user.status },
      });
      await sendVerification(user);
      return { verification_required: verificationRequired };
    },

    /** POST /auth/verify-email {token}: spends the link (single use) and verifies. */
    async verifyByToken(token: string, origin: RequestOrigin): Promise<UserRow> {
      const spent = await links.consumeVerificationByToken(tokenHash(token), clock.now());
      if (!spent) throw new AppError('invalid_link');
      return markVerified(spent.user_id, origin);
    },

    /** POST /auth/verify-email {email, code}: a wrong code counts against the open code's tries. */
    async verifyByCode(email: string, code: string, origin: RequestOrigin): Promise<UserRow> {
      const user = await users.findByEmail(normalizeEmail(email));
      if (!user) throw new AppError('invalid_link');
      const now = clock.now();
      const spent = await links.consumeVerificationByCode(user.id, codeHash(user.id, code), now, config.accounts.verification_code_attempts);
      if (!spent) {
        await links.countWrongCode(user.id, now);
        throw new AppError('invalid_link');
      }
      return markVerified(user.id, origin);
    },

    /** POST /auth/verify-email/resend: limited per address, whether or not the address has an account. */
    async resend(email: string): Promise<void> {
      const normalized = normalizeEmail(email);
      const window = config.accounts.verification_resend_window;
      if (await overAddressLimit(deps.cache, 'verify-resend', normalized, config.accounts.verification_resend_limit, window)) {
        throw new AppError('rate_limited', { retryAfter: window });
      }
      const user = await users.findByEmail(normalized);
      if (!user || user.email_verified_at !== null || user.status === 'disabled') return;
      await sendVerification(user);
    },
  };
}
export type Registration = ReturnType<typeof createRegistration>;
