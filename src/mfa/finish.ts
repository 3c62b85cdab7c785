import type { FastifyReply } from 'fastify';
import { toUserDto } from '../accounts/schema.js';
import type { SessionCookie } from '../sessions/cookie.js';
import type { TokenService } from '../tokens/service.js';
import { Type } from 'typebox';
import { TokenPairSchema } from '../tokens/schema.js';
import type { TrustedDevices } from './devices/service.js';
import { CookieLoginAnswer } from './schema.js';
import type { FinishedLogin } from './service.js';

/** The answer of a finished login: `{user}` with the session cookie, or the token pair. */
export const LoginSuccessSchema = Type.Union([CookieLoginAnswer, TokenPairSchema]);

/**
 * Shapes the reply of a login finished after the first step (MFA verify, an enrolment that
 * completed, a passwordless passkey) exactly like the login and token endpoints do.
 */
export function createLoginReplies(deps: {
  cookie: SessionCookie;
  tokens: Pick<TokenService, 'issue'>;
  devices: TrustedDevices;
}) {
  return {
    async send(reply: FastifyReply, done: FinishedLogin) {
      if (done.deviceCookie) reply.setCookie(deps.devices.cookieName, done.deviceCookie, deps.devices.cookieOptions());
      if (done.mode === 'cookie') {
        // As the login route: a fresh session id (fixation); remember-me persists the cookie for the
        // session's absolute lifetime (the server enforces the idle window), else a browser-session cookie.
        const s = done.completed.session;
        const persist = done.rememberMe ? Math.floor((s.absolute_expires_at - s.login_time) / 1000) : undefined;
        reply.setCookie(deps.cookie.name, done.completed.cookieSecret!, deps.cookie.setOptions(persist));
        return { user: toUserDto(done.completed.user) };
      }
      // Token answers must never be stored by a cache on the way (RFC 6749 §5.1).
      reply.header('cache-control', 'no-store');
      reply.header('pragma', 'no-cache');
      return deps.tokens.issue(done.completed.session);
    },
  };
}
export type LoginReplies = ReturnType<typeof createLoginReplies>;
