import type { Cache } from '../cache/port.js';
import { randomToken, sha256 } from '../crypto/random.js';
import type { EventService } from '../events/service.js';
import type { Locate } from '../geo/locate.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { revokedKey } from './liveness.js';
import type { SessionRow, SessionStore } from './store.js';

export interface SessionLifetimes {
  /** Idle window (seconds) without and with remember-me; activity slides it. */
  idleTtl: number;
  idleTtlRemember: number;
  /** Hard limit from login (seconds) that nothing extends. */
  absoluteTtl: number;
}

export interface StartSession {
  userId: string;
  kind: 'cookie' | 'token' | 'oidc';
  ip: string | null;
  userAgent: string | null;
  location?: string | null;
  rememberMe: boolean;
  amr: string[];
  /** End the user's other sessions first (single-session policy). */
  single?: boolean;
}

const REVOKED_CHANNEL = 'sessions:revoked';

/**
 * Sessions: start, find, list, revoke. Every revocation path (logout, password change, disable,
 * admin, single-session, refresh reuse) ends in `revoke`/`revokeAllForUser`, which writes the
 * database, marks the id revoked in the cache and publishes it so every instance forgets it.
 */
export function createSessionService(deps: {
  store: SessionStore;
  cache: Cache;
  clock: Clock;
  events: EventService;
  lifetimes: SessionLifetimes;
  /** Names the place of a login IP ("Berlin, DE", "private", …); omitted = not recorded. */
  locate?: Locate;
}) {
  const { store, cache, clock, events, lifetimes } = deps;
  const revocationListeners = new Set<(sid: string) => void>();

  const idleTtl = (rememberMe: boolean) => (rememberMe ? lifetimes.idleTtlRemember : lifetimes.idleTtl);

  async function markRevoked(sid: string, absoluteExpiresAt: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil((absoluteExpiresAt - clock.now()) / 1000));
    await cache.set(revokedKey(sid), '1', ttl);
    await cache.publish(REVOKED_CHANNEL, sid);
    for (const l of revocationListeners) l(sid);
  }

  return {
    lifetimes,
    idleTtl,

    async start(input: StartSession): Promise<{ session: SessionRow; cookieSecret?: string }> {
      const now = clock.now();
      if (input.single) await this.revokeAllForUser(input.userId, { reason: 'single_session' });
      const cookieSecret = input.kind === 'cookie' ? randomToken() : undefined;
      const location = input.location ?? (deps.locate ? await deps.locate(input.ip) : null);
      const absolute = now + lifetimes.absoluteTtl * 1000;
      const session = await store.insert({
        id: newId(now),
        user_id: input.userId,
        kind: input.kind,
        secret_hash: cookieSecret ? sha256(cookieSecret) : null,
        login_time: now,
        login_ip: input.ip,
        login_user_agent: input.userAgent,
        login_location: location,
        last_active: now,
        last_ip: input.ip,
        last_user_agent: input.userAgent,
        last_location: location,
        remember_me: input.rememberMe ? 1 : 0,
        amr: JSON.stringify(input.amr),
        idle_expires_at: Math.min(absolute, now + idleTtl(input.rememberMe) * 1000),
        absolute_expires_at: absolute,
        revoked_at: null,
        revoked_reason: null,
      });
      return { session, cookieSecret };
    },

    findLive: (sid: string) => store.findLiveById(sid, clock.now()),
    listForUser: (userId: string) => store.listLiveForUser(userId, clock.now()),
    /** Any session row by id, live or not (audit, reuse handling). */
    find: (sid: string) => store.findById(sid),

    async revoke(sid: string, opts: { reason: string; actorId?: string | null; ip?: string | null }): Promise<boolean> {
      const row = await store.revoke(sid, clock.now(), opts.reason);
      if (!row) return false;
      await markRevoked(sid, row.absolute_expires_at);
      events.emit('session_revoked', {
        actor_id: opts.actorId ?? row.user_id,
        ip: opts.ip ?? null,
        target_id: row.user_id,
        data: { session_id: sid, reason: opts.reason },
      });
      return true;
    },

    /** Revokes `sid` only when it is a live session of `userId`; false when there is none such. */
    async revokeOwned(
      userId: string,
      sid: string,
      opts: { reason: string; actorId?: string | null; ip?: string | null },
    ): Promise<boolean> {
      const row = await store.findLiveById(sid, clock.now());
      if (!row || row.user_id !== userId) return false;
      return this.revoke(sid, opts);
    },

    async revokeAllForUser(
      userId: string,
      opts: { reason: string; exceptSessionId?: string; actorId?: string | null; ip?: string | null },
    ): Promise<number> {
      const rows = await store.revokeAllForUser(userId, clock.now(), opts.reason, opts.exceptSessionId);
      for (const r of rows) {
        await markRevoked(r.id, r.absolute_expires_at);
        events.emit('session_revoked', {
          actor_id: opts.actorId ?? userId,
          ip: opts.ip ?? null,
          target_id: userId,
          data: { session_id: r.id, reason: opts.reason },
        });
      }
      return rows.length;
    },

    /** Called on this instance and, through the cache's pub/sub, for revocations on others. */
    onRevoked(listener: (sid: string) => void): () => void {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },
    /** Subscribes to revocations from other instances; returns the unsubscribe function. */
    async listenForRemoteRevocations(): Promise<() => Promise<void>> {
      return cache.subscribe(REVOKED_CHANNEL, (sid) => {
        for (const l of revocationListeners) l(sid);
      });
    },
  };
}
export type SessionService = ReturnType<typeof createSessionService>;
