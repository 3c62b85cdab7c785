import { createHmac } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Keyring } from '../../crypto/keyring.js';
import { randomToken, safeEqual, sha256 } from '../../crypto/random.js';
import type { EventService } from '../../events/service.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { TrustedDeviceRow, TrustedDeviceStore } from './store.js';
import { uaFamily } from './ua-family.js';

/** Fixed by the API contract. */
export const DEVICE_COOKIE = 'gatehouse_device';

interface Ctx {
  ip: string | null;
  userAgent: string | null;
  actorId?: string | null;
}

/**
 * Trusted devices. The cookie is `<id>.<secret>.<mac>`: a 256-bit secret (stored as SHA-256)
 * signed with the cookie-signing subkey, so forged or altered values are refused before any
 * database read. It only counts for the user it was issued to, from the same user-agent family,
 * until it expires or is revoked (by the user, or by a password change).
 */
export function createTrustedDevices(deps: {
  store: TrustedDeviceStore;
  keyring: Keyring;
  /** Master key ids that may have signed a live cookie, current first. */
  kids: readonly string[];
  clock: Clock;
  events: EventService;
  ttlSeconds: number;
  secureCookie: boolean;
}) {
  const { store, keyring, clock, events } = deps;
  const mac = (payload: string, kid: string) =>
    createHmac('sha256', keyring.subkey('cookie-signing', kid)).update(`${DEVICE_COOKIE}\n${payload}`).digest('base64url');

  /** The id and secret of a well-formed, correctly signed cookie value; else null. */
  function parse(value: string | undefined): { id: string; secret: string } | null {
    if (!value || value.length > 200) return null;
    const [id, secret, sig, ...rest] = value.split('.');
    if (!id || !secret || !sig || rest.length) return null;
    const ok = deps.kids.some((kid) => safeEqual(mac(`${id}.${secret}`, kid), sig));
    return ok ? { id, secret } : null;
  }

  async function liveFor(value: string | undefined): Promise<TrustedDeviceRow | null> {
    const p = parse(value);
    if (!p) return null;
    const row = await store.findLive(p.id, clock.now());
    return row && safeEqual(row.secret_hash, sha256(p.secret)) ? row : null;
  }

  function emitRevoked(userId: string, ids: string[], reason: string, ctx: Partial<Ctx>): void {
    for (const id of ids) {
      events.emit('trusted_device_revoked', {
        actor_id: ctx.actorId ?? userId,
        target_id: userId,
        ip: ctx.ip ?? null,
        user_agent: ctx.userAgent ?? null,
        data: { device_id: id, reason },
      });
    }
  }

  return {
    cookieName: DEVICE_COOKIE,
    ttlSeconds: deps.ttlSeconds,
    /** HttpOnly, SameSite=Strict (only our own login pages need it), Secure over https. */
    cookieOptions(): CookieSerializeOptions {
      return { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.secureCookie, maxAge: deps.ttlSeconds };
    },
    clearOptions(): CookieSerializeOptions {
      return { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.secureCookie, maxAge: 0, expires: new Date(0) };
    },

    /** Trusts the device a login came from; returns the cookie value to set. */
    async trust(userId: string, ctx: Ctx): Promise<string> {
      const now = clock.now();
      const id = newId(now);
      const secret = randomToken();
      await store.insert({
        id,
        user_id: userId,
        secret_hash: sha256(secret),
        ua_family: uaFamily(ctx.userAgent),
        user_agent: ctx.userAgent?.slice(0, 512) ?? null,
        ip: ctx.ip,
        created_at: now,
        last_used_at: now,
        expires_at: now + deps.ttlSeconds * 1000,
        revoked_at: null,
        revoked_reason: null,
      });
      events.emit('trusted_device_added', {
        actor_id: userId,
        target_id: userId,
        ip: ctx.ip,
        user_agent: ctx.userAgent,
        data: { device_id: id, ua_family: uaFamily(ctx.userAgent) },
      });
      return `${id}.${secret}.${mac(`${id}.${secret}`, keyring.currentKid)}`;
    },

    /** True when the cookie names a live device of this user, used from the same UA family. */
    async isTrusted(value: string | undefined, userId: string, userAgent: string | null): Promise<boolean> {
      const row = await liveFor(value);
      if (!row || row.user_id !== userId || row.ua_family !== uaFamily(userAgent)) return false;
      await store.touch(row.id, clock.now());
      return true;
    },

    /** The id of the device a request's cookie names, if live (to mark "current" in lists). */
    currentId: async (value: string | undefined) => (await liveFor(value))?.id ?? null,

    list: (userId: string) => store.listLive(userId, clock.now()),

    async revoke(userId: string, id: string, ctx: Ctx): Promise<boolean> {
      const ids = await store.revoke(userId, clock.now(), 'revoked', id);
      emitRevoked(userId, ids, 'revoked', ctx);
      return ids.length > 0;
    },

    /** Revokes every trusted device of a user (password change or reset, MFA reset, "revoke all"). */
    async revokeAll(userId: string, reason: string, ctx: Partial<Ctx> = {}): Promise<number> {
      const ids = await store.revoke(userId, clock.now(), reason);
      emitRevoked(userId, ids, reason, ctx);
      return ids.length;
    },
  };
}
export type TrustedDevices = ReturnType<typeof createTrustedDevices>;
