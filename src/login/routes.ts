import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { UserSchema, toUserDto } from '../accounts/schema.js';
import type { Authenticator } from '../http/auth.js';
import type { SessionCookie } from '../sessions/cookie.js';
import type { SessionService } from '../sessions/service.js';
import type { LoginService } from './service.js';
import { DEVICE_COOKIE } from '../mfa/devices/service.js';
import { MfaEnrollmentAnswer, MfaRequiredAnswer, mfaAnswer } from '../mfa/schema.js';
import { bodyField, protect } from '../protection/hooks.js';
import type { ProtectionService } from '../protection/service.js';

const Credentials = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    remember_me: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** POST /api/v1/auth/login (cookie session) and POST /api/v1/auth/logout. */
export async function loginRoutes(
  app: FastifyInstance,
  opts: { login: LoginService; sessions: SessionService; authenticator: Authenticator; cookie: SessionCookie; protection: ProtectionService },
) {
  const { login, sessions, authenticator, cookie } = opts;

  app.post(
    '/api/v1/auth/login',
    {
      // Per IP and per IP+email limits before the password is even hashed (failures are counted by the login service's guard).
      preHandler: protect(opts.protection, 'login', { account: bodyField('email') }),
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password; sets the session cookie, or answers what MFA needs next',
        body: Credentials,
        response: { 200: Type.Union([Type.Object({ user: UserSchema }), MfaRequiredAnswer, MfaEnrollmentAnswer]) },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string; remember_me?: boolean };
      const ctx = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const user = await login.checkPassword(body.email, body.password, ctx);
      const rememberMe = body.remember_me === true;
      // The one gate every login path uses: a user with MFA (or who must enrol) gets an mfa_token, no session.
      const done = await login.afterPassword(user, { mode: 'cookie', rememberMe, ...ctx, deviceCookie: request.cookies?.[DEVICE_COOKIE] });
      if (done.kind !== 'complete') return mfaAnswer(done);
      // A fresh id on every login: a cookie planted before login is never promoted (fixation).
      // Remember-me: a persistent cookie for the session's whole absolute lifetime (the server enforces
      // the sliding idle window; a Max-Age of the idle window would not slide). Otherwise a browser-session cookie.
      const persist = rememberMe ? Math.floor((done.session.absolute_expires_at - done.session.login_time) / 1000) : undefined;
      reply.setCookie(cookie.name, done.cookieSecret!, cookie.setOptions(persist));
      return { user: toUserDto(done.user) };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'End the current session (cookie or bearer)', response: { 204: Type.Null() } } },
    async (request, reply) => {
      const auth = await authenticator.authenticate(request);
      if (auth) await sessions.revoke(auth.sessionId, { reason: 'logout', actorId: auth.userId, ip: request.ip });
      if (request.cookies?.[cookie.name]) reply.clearCookie(cookie.name, cookie.clearOptions());
      return reply.code(204).send();
    },
  );
}
