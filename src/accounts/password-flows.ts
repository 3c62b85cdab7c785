import { AppError } from '../errors/app-error.js';
import type { AccountDeps, RequestOrigin } from './deps.js';
import { normalizeEmail } from './email.js';
import { overAddressLimit } from './limits.js';
import { tokenHash } from './links.js';
import { createResetLinks } from './reset-links.js';
import type { UserRow } from './store.js';

/**
 * Password change, forgot and reset, and the setup links of users created without a password.
 * Change and reset end the user's other sessions and mail a "password changed" notice.
 */
export function createPasswordFlows(
  deps: Pick<AccountDeps, 'users' | 'links' | 'hasher' | 'policy' | 'sessions' | 'events' | 'mailer' | 'cache' | 'clock' | 'urls' | 'config'>,
) {
  const { users, links, hasher, policy, sessions, events, mailer, clock, config } = deps;

  const mintLink = createResetLinks(deps).mint;
  // Trusted devices (skip MFA) belong to the mfa capability, built later; it installs how to end them.
  let revokeTrustedDevices: ((userId: string, reason: string) => Promise<unknown>) | undefined;

  function mailChanged(user: UserRow, origin: RequestOrigin): void {
    mailer.sendInBackground({
      template: 'password_changed',
      to: user.email,
      vars: { name: user.name, time: clock.now(), ip: origin.ip },
    });
  }

  return {
    mintLink,

    /** Installs how a new password ends the user's trusted devices (called by the mfa wiring). */
    setTrustedDeviceRevoker(fn: (userId: string, reason: string) => Promise<unknown>): void {
      revokeTrustedDevices = fn;
    },

    /** POST /me/password: needs the current password; other sessions end. */
    async change(userId: string, currentSessionId: string, current: string, next: string, origin: RequestOrigin): Promise<void> {
      const user = await users.findById(userId);
      if (!user || user.status !== 'active') throw new AppError('unauthorized');
      if (!(await hasher.verify(user.password_hash, current))) throw new AppError('wrong_password');
      await policy.enforce(next, { email: user.email, name: user.name });
      const now = clock.now();
      await users.update(user.id, { password_hash: await hasher.hash(next), updated_at: now });
      // A reset link mailed before the change must not undo it.
      await links.retireResets(user.id, now);
      await sessions.revokeAllForUser(user.id, { reason: 'password_changed', exceptSessionId: currentSessionId, ip: origin.ip });
      await revokeTrustedDevices?.(user.id, 'password_changed');
      events.emit('password_changed', { actor_id: user.id, target_id: user.id, ip: origin.ip, user_agent: origin.userAgent });
      mailChanged(user, origin);
    },

    /**
     * POST /auth/password/forgot: the caller learns nothing. Known, not disabled accounts get a
     * single-use link (mail sent in the background so timing does not tell either).
     */
    async forgot(email: string, origin: RequestOrigin): Promise<void> {
      const normalized = normalizeEmail(email);
      const limited = await overAddressLimit(deps.cache, 'reset-mail', normalized, config.accounts.reset_mail_limit, 3600);
      const user = await users.findByEmail(normalized);
      if (!user || user.status === 'disabled' || limited) return;
      const link = await mintLink(user, 'reset', origin.ip);
      events.emit('password_reset_requested', { actor_id: null, target_id: user.id, ip: origin.ip, user_agent: origin.userAgent });
      mailer.sendInBackground({
        template: 'password_reset',
        to: user.email,
        vars: { name: user.name, link, expires_in_minutes: Math.round(config.accounts.reset_ttl / 60) },
      });
    },

    /**
     * POST /auth/password/reset: the policy is checked before the link is spent (a refused
     * password leaves it usable); then one conditional UPDATE consumes it, every other
     * outstanding link dies, and all the user's sessions end.
     */
    async reset(token: string, password: string, origin: RequestOrigin): Promise<void> {
      const now = clock.now();
      const hash = tokenHash(token);
      const live = await links.findLiveReset(hash, now);
      const user = live ? await users.findById(live.user_id) : undefined;
      if (!live || !user) throw new AppError('invalid_link');
      await policy.enforce(password, { email: user.email, name: user.name });
      const passwordHash = await hasher.hash(password);
      const spent = await links.consumeReset(hash, clock.now());
      if (!spent) throw new AppError('invalid_link');
      const at = clock.now();
      // Receiving the link proves the address: an unverified (pending) account becomes active.
      await users.update(user.id, {
        password_hash: passwordHash,
        updated_at: at,
        email_verified_at: user.email_verified_at ?? at,
        ...(user.status === 'pending' ? { status: 'active' as const } : {}),
      });
      await links.retireResets(user.id, at);
      if (user.status === 'pending') await links.retireVerifications(user.id, at);
      await sessions.revokeAllForUser(user.id, { reason: 'password_reset', ip: origin.ip });
      await revokeTrustedDevices?.(user.id, 'password_reset');
      events.emit('password_reset', {
        actor_id: user.id,
        target_id: user.id,
        ip: origin.ip,
        user_agent: origin.userAgent,
        data: { purpose: spent.purpose },
      });
      if (spent.purpose === 'reset') mailChanged(user, origin);
    },
  };
}
export type PasswordFlows = ReturnType<typeof createPasswordFlows>;
