import type { FastifyRequest } from 'fastify';
import type { Role } from '../accounts/roles.js';
import type { UserStore } from '../accounts/store.js';
import type { AuthContext, Authenticator } from '../http/auth.js';
import type { SessionCookie } from './cookie.js';
import type { SessionService } from './service.js';

/** Verifies an access token and checks its session is live; null when it is not good. */
export type BearerVerifier = (token: string, request: FastifyRequest) => Promise<AuthContext | null>;

/** Cookie or bearer → AuthContext. The bearer path is supplied by the tokens capability. */
export function createAuthenticator(deps: {
  sessions: SessionService;
  users: UserStore;
  cookie: SessionCookie;
  bearer?: BearerVerifier;
}): Authenticator & { setBearerVerifier(v: BearerVerifier): void } {
  let bearer = deps.bearer;
  return {
    setBearerVerifier(v) {
      bearer = v;
    },
    async authenticate(request) {
      const header = request.headers.authorization;
      if (header) {
        const m = /^Bearer\s+(\S+)$/i.exec(header);
        if (!m || !bearer) return null;
        return bearer(m[1]!, request);
      }
      const secret = request.cookies?.[deps.cookie.name];
      if (!secret) return null;
      const s = await deps.sessions.findByCookie(secret);
      if (!s) return null;
      return {
        userId: s.user_id,
        sessionId: s.id,
        via: 'cookie',
        amr: JSON.parse(s.amr) as string[],
        authTime: s.login_time,
        rememberMe: s.remember_me === 1,
        expiresAt: Math.min(s.idle_expires_at, s.absolute_expires_at),
      };
    },
    async activeRole(userId): Promise<Role | undefined> {
      const u = await deps.users.findById(userId);
      return u && u.status === 'active' ? u.role : undefined;
    },
  };
}
