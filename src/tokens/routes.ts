import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { LoginService } from '../login/service.js';
import { DEVICE_COOKIE } from '../mfa/devices/service.js';
import { MfaEnrollmentAnswer, MfaRequiredAnswer, mfaAnswer } from '../mfa/schema.js';
import { bodyField, protect } from '../protection/hooks.js';
import type { ProtectionService } from '../protection/service.js';
import { RefreshRequest, TokenPairSchema, TokenRequest } from './schema.js';
import type { TokenService } from './service.js';

/** Token answers must never be stored by a cache on the way (RFC 6749 §5.1). */
function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
}

/** POST /api/v1/auth/token (API login) and POST /api/v1/auth/refresh (rotation). */
export async function tokenRoutes(
  app: FastifyInstance,
  opts: { login: LoginService; tokens: TokenService; protection: ProtectionService },
) {
  const { login, tokens } = opts;

  app.post(
    '/api/v1/auth/token',
    {
      // The same per-IP and per-IP+account limits as the cookie login: no side door for guessing.
      preHandler: protect(opts.protection, 'login', { account: bodyField('email') }),
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password; answers an access and a refresh token, or what MFA needs next',
        body: TokenRequest,
        response: { 200: Type.Union([TokenPairSchema, MfaRequiredAnswer, MfaEnrollmentAnswer]) },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string; remember_me?: boolean };
      const ctx = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const user = await login.checkPassword(body.email, body.password, ctx);
      // The same MFA gate as the cookie login: a user with MFA gets an mfa_token here, never a token pair.
      const done = await login.afterPassword(user, {
        mode: 'token',
        rememberMe: body.remember_me === true,
        ...ctx,
        deviceCookie: request.cookies?.[DEVICE_COOKIE],
      });
      noStore(reply);
      if (done.kind !== 'complete') return mfaAnswer(done);
      return tokens.issue(done.session);
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (single use) for a new pair in the same session',
        description:
          'A refresh token presented a second time revokes its whole session (401 token_reused), ' +
          'unless within tokens.refresh_reuse_grace of its rotation (401 token_reused, session kept).',
        body: RefreshRequest,
        response: { 200: TokenPairSchema },
      },
    },
    async (request, reply) => {
      const { refresh_token } = request.body as { refresh_token: string };
      noStore(reply);
      return tokens.rotate(refresh_token, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    },
  );
}
