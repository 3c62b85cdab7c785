import type { Config } from '../config/schema.js';
import { randomToken, sha256 } from '../crypto/random.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { SessionRow } from '../sessions/store.js';
import type { SessionService } from '../sessions/service.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { JwtService } from './jwt.js';
import type { RefreshStore, RotationPolicy } from './refresh-store.js';

/**
 * What the store keys a refresh token by. A token is `<row id>.<secret>` and its key the row id
 * followed by the SHA-256 of the whole token: the id is a ULID, so keys sort by creation time and
 * each new one lands at the end of the unique index instead of on a random leaf (a third of the
 * pages a rotation wrote; bench/README.md item 28). The secret never reaches the database; a
 * token with a forged or swapped prefix yields a key no row has. Tokens issued before this format
 * (no dot) are keyed by their bare SHA-256, as they were stored.
 */
export function refreshKey(token: string): string {
  const dot = token.indexOf('.');
  return dot > 0 ? `${token.slice(0, dot)}.${sha256(token)}` : sha256(token);
}

/** A new refresh token for row `id`, and its key. */
function newRefreshToken(id: string): { token: string; key: string } {
  const token = `${id}.${randomToken()}`;
  return { token, key: refreshKey(token) };
}

/** The token answer of /auth/token, /auth/refresh (and later MFA and passkey logins in token mode). */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** Seconds. */
  expires_in: number;
  /** Seconds. */
  refresh_expires_in: number;
}

export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Access/refresh issuance and rotation. A refresh token is single use: rotation consumes it in
 * one conditional UPDATE. Presenting a consumed one means two parties hold it (a leak), so the
 * whole session is revoked — unless it comes back within the configured grace, which is refused
 * without revoking, for clients that retry or race.
 */
export function createTokenService(deps: {
  refresh: RefreshStore;
  sessions: SessionService;
  jwt: Pick<JwtService, 'signAccessToken'>;
  clock: Clock;
  events: EventService;
  config: Pick<Config['tokens'], 'access_ttl' | 'access_ttl_remember' | 'refresh_ttl' | 'refresh_ttl_remember' | 'refresh_reuse_grace'>;
  /** A rotation slid this session's idle expiry: drop what caches hold about it. */
  onExtended?: (sid: string) => Promise<void>;
}) {
  const { refresh, sessions, jwt, clock, events, config } = deps;
  const refreshTtlMs = (s: SessionRow) => (s.remember_me === 1 ? config.refresh_ttl_remember : config.refresh_ttl) * 1000;
  const rotationPolicy: RotationPolicy = {
    refreshTtlMs: { normal: config.refresh_ttl * 1000, remember: config.refresh_ttl_remember * 1000 },
    idleTtlMs: { normal: sessions.idleTtl(false) * 1000, remember: sessions.idleTtl(true) * 1000 },
  };

  /** Signs the access token; its lifetime never reaches past the session's absolute expiry. */
  async function accessFor(session: SessionRow, now: number) {
    const ttl = session.remember_me === 1 ? config.access_ttl_remember : config.access_ttl;
    const left = Math.floor((session.absolute_expires_at - now) / 1000);
    if (left <= 0) throw new AppError('invalid_token');
    return jwt.signAccessToken({
      sub: session.user_id,
      sid: session.id,
      amr: JSON.parse(session.amr) as string[],
      ttlSeconds: Math.min(ttl, left),
    });
  }

  const pair = (access: { token: string; expiresIn: number }, refreshToken: string, refreshExpiresAt: number, now: number): TokenPair => ({
    access_token: access.token,
    refresh_token: refreshToken,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    refresh_expires_in: Math.floor((refreshExpiresAt - now) / 1000),
  });

  /** Handles a token that could not be rotated: reuse (revoke, record) or plain invalid. */
  async function refuse(hash: string, origin: RequestOrigin): Promise<never> {
    const row = await refresh.findByHash(hash);
    if (!row || row.consumed_at === null) throw new AppError('invalid_token');
    const now = clock.now();
    if (config.refresh_reuse_grace > 0 && now - row.consumed_at <= config.refresh_reuse_grace * 1000) {
      throw new AppError('token_reused', { detail: 'This refresh token was just rotated; use the newest one' });
    }
    const session = await sessions.find(row.session_id);
    const revoked = await sessions.revoke(row.session_id, { reason: 'refresh_token_reused', ip: origin.ip });
    // One record per incident: racing replays of the same token are not each a new alarm.
    if (revoked || (session && session.revoked_reason !== 'refresh_token_reused')) {
      events.emit('refresh_token_reused', {
        actor_id: session?.user_id ?? null,
        target_id: session?.user_id ?? null,
        ip: origin.ip,
        user_agent: origin.userAgent,
        data: { session_id: row.session_id, session_revoked: revoked },
      });
    }
    throw new AppError('token_reused');
  }

  return {
    /** The first pair of a session (API login). */
    async issue(session: SessionRow): Promise<TokenPair> {
      const now = clock.now();
      const access = await accessFor(session, now);
      const id = newId(now);
      const next = newRefreshToken(id);
      const expiresAt = Math.min(now + refreshTtlMs(session), session.absolute_expires_at);
      await refresh.insert({
        id,
        session_id: session.id,
        token_hash: next.key,
        created_at: now,
        expires_at: expiresAt,
        consumed_at: null,
        replaced_by: null,
      });
      return pair(access, next.token, expiresAt, now);
    },

    /**
     * Consumes a refresh token and issues a new pair in the same session. Slides the session's
     * idle expiry; nothing here extends its absolute expiry.
     */
    async rotate(token: string, origin: RequestOrigin): Promise<TokenPair> {
      const now = clock.now();
      const hash = refreshKey(token);
      const id = newId(now);
      const next = newRefreshToken(id);
      const rotated = await refresh.rotate({ hash, now, next: { id, hash: next.key }, policy: rotationPolicy });
      if (!rotated) return refuse(hash, origin);
      await deps.onExtended?.(rotated.session.id);
      const access = await accessFor(rotated.session, now);
      return pair(access, next.token, rotated.refreshExpiresAt, now);
    },
  };
}
export type TokenService = ReturnType<typeof createTokenService>;
