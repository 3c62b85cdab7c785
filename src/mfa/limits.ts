import type { Cache } from '../cache/port.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { Clock } from '../shared/clock.js';

const DAY_MS = 86_400_000;
const lockKey = (userId: string) => `mfa:lock:${userId}`;
const failKey = (userId: string) => `mfa:fail:${userId}`;
const sentKey = (userId: string, day: number) => `mfa:sent:${userId}:${day}`;

export interface MfaLimitSettings {
  sendLimitPerDay: number;
  maxFailures: number;
  lockSeconds: number;
}

/**
 * Per-user MFA limits on the cache port (shared across instances with Redis):
 * - codes sent by email or SMS per UTC day, counted before sending, delivered or not, so a
 *   script cannot pump SMS or mail at our cost;
 * - consecutive second-factor failures: at `maxFailures` MFA locks for `lockSeconds` and a
 *   security event is recorded. A success resets the count.
 * The lock stores its end time, checked against our clock, so it ends on time whatever the cache TTL.
 */
export function createMfaLimits(deps: { cache: Cache; clock: Clock; events: EventService; settings: MfaLimitSettings }) {
  const { cache, clock, events, settings } = deps;

  async function lockedUntil(userId: string): Promise<number | null> {
    const v = await cache.get(lockKey(userId));
    const until = v === null ? NaN : Number(v);
    return Number.isFinite(until) && until > clock.now() ? until : null;
  }

  const lockedError = (until: number) =>
    new AppError('mfa_locked', { retryAfter: Math.max(1, Math.ceil((until - clock.now()) / 1000)) });

  return {
    /** Throws 429 mfa_locked while the user's MFA is locked. */
    async assertNotLocked(userId: string): Promise<void> {
      const until = await lockedUntil(userId);
      if (until !== null) throw lockedError(until);
    },

    /**
     * Counts one failure. Returns normally below the limit; at the limit locks MFA, records
     * `mfa_locked` and throws 429 mfa_locked.
     */
    async recordFailure(userId: string, ctx: { ip: string | null; userAgent: string | null }): Promise<void> {
      const n = await cache.incr(failKey(userId), 86_400);
      if (n < settings.maxFailures) return;
      const until = clock.now() + settings.lockSeconds * 1000;
      await cache.set(lockKey(userId), String(until), settings.lockSeconds);
      await cache.delete(failKey(userId));
      events.emit('mfa_locked', {
        actor_id: userId,
        target_id: userId,
        ip: ctx.ip,
        user_agent: ctx.userAgent,
        data: { failures: n, locked_until: new Date(until).toISOString() },
      });
      throw lockedError(until);
    },

    async recordSuccess(userId: string): Promise<void> {
      await cache.delete(failKey(userId));
    },

    /** Counts one code about to be sent; throws 429 mfa_send_limit past the daily limit. */
    async countSend(userId: string): Promise<void> {
      const now = clock.now();
      const day = Math.floor(now / DAY_MS);
      const n = await cache.incr(sentKey(userId, day), 2 * 86_400);
      if (n > settings.sendLimitPerDay) {
        const retryAfter = Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / 1000));
        throw new AppError('mfa_send_limit', { retryAfter });
      }
    },

    /** Clears lock and failure count (admin MFA reset). */
    async clear(userId: string): Promise<void> {
      await cache.delete(lockKey(userId));
      await cache.delete(failKey(userId));
    },
  };
}
export type MfaLimits = ReturnType<typeof createMfaLimits>;
