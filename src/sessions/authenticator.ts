import type { FastifyRequest } from 'fastify';
import type { Role } from '../accounts/roles.js';
import type { UserStore } from '../accounts/store.js';
import type { AuthContext, Authenticator } from '../http/auth.js';
import type { ActivityTracker } from './activity.js';
import type { SessionCookie } from './cookie.js';
import type { SessionLiveness, SessionSnapshot } from './liveness.js';

/** A bearer check's result: who is calling, and the live session the token belongs to. */
export interface BearerResult {
  auth: AuthContext;
  session: SessionSnapshot;
}

/** Verifies an access token and checks its session is live; null when it is not good. */
export type BearerVerifier = (token: string, request: FastifyRequest) => Promise<BearerResult | null>;

/**
 * Cookie or bearer → AuthContext. The bearer path is supplied by the tokens capability; the cookie
 * path goes through the liveness map, so neither touches the database in the common case. Each
 * success is noted for activity tracking (written behind, at most once a minute per session).
 */
export function createAuthenticator(deps: {
  liveness: SessionLiveness;
  activity: ActivityTracker;
  users: UserStore;
  cookie: SessionCookie;
  bearer?: BearerVerifier;
}): Authenticator & { setBearerVerifier(v: BearerVerifier): void } {
  const { liveness, activity } = deps;
  let bearer = deps.bearer;

  function track(s: SessionSnapshot, request: FastifyRequest): void {
    activity.note(s, request.ip ?? null, request.headers['user-agent'] ?? null);
  }

  return {
    setBearerVerifier(v) {
      bearer = v;
    },
    async authenticate(request) {
      const header = request.headers.authorization;
      if (header) {
        // An Authorization header decides alone: a bad token is not rescued by a cookie.
        const m = /^Bearer +(\S+) *$/i.exec(header);
        if (!m || !bearer) return null;
        const r = await bearer(m[1]!, request);
        if (!r) return null;
        track(r.session, request);
        return r.auth;
      }
      const secret = request.cookies?.[deps.cookie.name];
      if (!secret) return null;
      const s = await liveness.byCookie(secret);
      if (!s) return null;
      track(s, request);
      return {
        userId: s.userId,
        sessionId: s.sid,
        via: 'cookie',
        amr: s.amr,
        authTime: s.authTime,
        rememberMe: s.rememberMe,
        expiresAt: liveness.expiresAt(s),
      };
    },
    async activeRole(userId): Promise<Role | undefined> {
      const u = await deps.users.findById(userId);
      return u && u.status === 'active' ? u.role : undefined;
    },
  };
}
