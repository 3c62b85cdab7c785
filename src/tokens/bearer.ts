import { AppError } from '../errors/app-error.js';
import type { BearerVerifier } from '../sessions/authenticator.js';
import type { SessionLiveness } from '../sessions/liveness.js';
import type { JwtService } from './jwt.js';

/**
 * The bearer hot path: the JWT service checks signature and claims (a verified token is cached
 * until its exp), then the liveness map says whether the token's session still lives (revocation
 * and expiry, no database read in the common case). Any failure is "no credentials" (401);
 * a failure to tell (e.g. key store unreachable) propagates and fails closed.
 */
export function createBearerVerifier(deps: { jwt: Pick<JwtService, 'verifyAccessToken'>; liveness: SessionLiveness }): BearerVerifier {
  const { jwt, liveness } = deps;
  return async (token) => {
    let claims;
    try {
      claims = await jwt.verifyAccessToken(token);
    } catch (err) {
      if (err instanceof AppError && err.code === 'invalid_token') return null;
      throw err;
    }
    const session = await liveness.bySid(claims.sid);
    // The sid must name a live session of the token's own subject.
    if (!session || session.userId !== claims.sub) return null;
    return {
      session,
      auth: {
        userId: claims.sub,
        sessionId: claims.sid,
        via: 'bearer',
        amr: [...claims.amr],
        authTime: session.authTime,
        rememberMe: session.rememberMe,
        expiresAt: Math.min(claims.exp * 1000, liveness.expiresAt(session)),
      },
    };
  };
}
