import type { EventService } from '../events/service.js';
import type { Mailer } from '../mail/mailer.js';
import type { Clock } from '../shared/clock.js';
import type { ProtectionStore } from './store.js';

/** The owner of an account, as lockout needs it (for the mail). */
export interface LockoutUser {
  id: string;
  email: string;
  name: string;
}

/**
 * Account lockout (off unless `failures` > 0): that many consecutive failed password logins, from
 * any IPs, lock the account for `duration` seconds; a successful login resets the count. While
 * locked, the login answers exactly like a wrong password (no enumeration, no oracle telling an
 * attacker the guess was right); the owner learns of it by mail and admins by the event.
 */
export function createLockout(deps: {
  store: ProtectionStore;
  clock: Clock;
  events: EventService;
  mailer?: Pick<Mailer, 'sendInBackground'>;
  failures: number;
  duration: number;
}) {
  const { store, clock, events } = deps;
  const enabled = deps.failures > 0;

  return {
    enabled,

    async isLocked(userId: string): Promise<boolean> {
      if (!enabled) return false;
      const row = await store.lockout(userId);
      return row?.locked_until != null && row.locked_until > clock.now();
    },

    /** One more consecutive failure; locks the account when it reaches the threshold. */
    async failed(user: LockoutUser, ctx: { ip: string | null; userAgent: string | null }): Promise<void> {
      if (!enabled) return;
      const now = clock.now();
      const row = await store.lockout(user.id);
      // Failures while locked do not extend the lock: the lock must end for the owner to get back in.
      if (row?.locked_until != null && row.locked_until > now) return;
      const count = await store.addLockoutFailure(user.id, now);
      if (count < deps.failures) return;
      const until = now + deps.duration * 1000;
      await store.lock(user.id, until, now);
      events.emit('account_locked', {
        target_id: user.id,
        ip: ctx.ip,
        user_agent: ctx.userAgent,
        data: { failures: count, locked_until: new Date(until).toISOString() },
      });
      deps.mailer?.sendInBackground({ template: 'account_locked', to: user.email, vars: { name: user.name, until } });
    },

    async succeeded(userId: string): Promise<void> {
      if (enabled) await store.clearLockout(userId);
    },

    /** Lifts a lock and clears the count (admin). */
    async unlock(userId: string, actor: { id: string; ip: string | null }): Promise<void> {
      const had = await store.clearLockout(userId);
      events.emit('account_unlocked', { actor_id: actor.id, target_id: userId, ip: actor.ip, data: { was_locked: had } });
    },

    async status(userId: string): Promise<{ failures: number; locked_until: number | null }> {
      const row = await store.lockout(userId);
      const locked = row?.locked_until != null && row.locked_until > clock.now() ? row.locked_until : null;
      return { failures: row?.failures ?? 0, locked_until: locked };
    },
  };
}
export type Lockout = ReturnType<typeof createLockout>;
