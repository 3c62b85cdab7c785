import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { UserStore } from '../../accounts/store.js';
import { AppError } from '../../errors/app-error.js';
import type { Authenticator } from '../../http/auth.js';
import { isoOrNull, isoTime } from '../../shared/clock.js';
import type { MfaEnrolment } from '../enrolment.js';
import { LoginSuccessSchema, type LoginReplies } from '../finish.js';
import { callerOf, ctxOf, decorateEnrollment, enrolmentSecurity, requireAuthOrEnrollment, type RouteLimits } from '../guard.js';
import {
  AuthenticationResponseSchema,
  CreationOptionsSchema,
  OptionalBody,
  PasswordBody,
  RegistrationResponseSchema,
  RequestOptionsSchema,
} from '../schema.js';
import type { MfaTransactions } from '../transactions.js';
import type { PasswordlessLogin } from './passwordless.js';
import type { Passkeys } from './service.js';
import type { PasskeyWithMethod } from './store.js';

const PasskeySchema = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  device_type: Type.String({ description: 'singleDevice or multiDevice (synced)' }),
  backed_up: Type.Boolean(),
});
const toPasskeyDto = (p: PasskeyWithMethod) => ({
  id: p.method_id,
  name: p.name,
  created_at: isoTime(p.created_at),
  last_used_at: isoOrNull(p.last_used_at),
  device_type: p.device_type,
  backed_up: p.backed_up === 1,
});
const Name = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/**
 * Passkeys: /api/v1/me/passkeys* (register several, name, list, remove; open to an enrolment
 * mfa_token too) and the passwordless login /api/v1/auth/passkey/options + /verify.
 */
export async function passkeyRoutes(
  app: FastifyInstance,
  opts: {
    passkeys: Passkeys;
    passwordless: PasswordlessLogin;
    enrolment: MfaEnrolment;
    transactions: MfaTransactions;
    users: UserStore;
    authenticator: Authenticator;
    replies: LoginReplies;
    limits: RouteLimits;
  },
) {
  const { passkeys, enrolment, replies } = opts;
  decorateEnrollment(app);
  const guard = requireAuthOrEnrollment(opts);
  const tags = ['me', 'passkeys'];

  app.post(
    '/api/v1/me/passkeys/options',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'WebAuthn creation options for registering a passkey',
        security: enrolmentSecurity,
        body: OptionalBody(PasswordBody),
        response: { 200: CreationOptionsSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const user = await enrolment.userOf(caller);
      await enrolment.assertFresh(caller, user, (request.body as { password?: string } | null)?.password);
      return passkeys.registrationOptions(user);
    },
  );

  app.post(
    '/api/v1/me/passkeys',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Register a passkey from its WebAuthn response',
        security: enrolmentSecurity,
        body: Type.Object({ name: Name, response: RegistrationResponseSchema }, { additionalProperties: false }),
        response: { 201: Type.Object({ passkey: PasskeySchema, login: Type.Optional(LoginSuccessSchema) }) },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; response: RegistrationResponseJSON };
      const a = await enrolment.registerPasskey(callerOf(request), body.name, body.response, ctxOf(request));
      const passkey = (await passkeys.list(a.method.user_id)).find((p) => p.method_id === a.method.id)!;
      const login = a.login ? await replies.send(reply, a.login) : undefined;
      return reply.code(201).send({ passkey: toPasskeyDto(passkey), ...(login ? { login } : {}) });
    },
  );

  app.get(
    '/api/v1/me/passkeys',
    {
      preHandler: guard,
      schema: { tags, summary: 'Your passkeys', security: enrolmentSecurity, response: { 200: Type.Object({ items: Type.Array(PasskeySchema) }) } },
    },
    async (request) => ({ items: (await passkeys.list(callerOf(request).userId)).map(toPasskeyDto) }),
  );

  app.patch(
    '/api/v1/me/passkeys/:id',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Rename a passkey',
        security: enrolmentSecurity,
        params: IdParams,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(await passkeys.rename(callerOf(request).userId, id, (request.body as { name: string }).name))) throw new AppError('not_found');
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/me/passkeys/:id',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Remove a passkey (needs your password); ends your other sessions',
        security: [{ bearer: [] }],
        params: IdParams,
        body: OptionalBody(PasswordBody),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const password = (request.body as { password?: string } | null)?.password;
      await enrolment.remove(callerOf(request), id, password, ctxOf(request), 'passkey');
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/auth/passkey/options',
    {
      schema: {
        tags: ['auth', 'passkeys'],
        summary: 'Passwordless login, step 1: WebAuthn request options and a challenge_id (when enabled)',
        description: 'No credentials are listed, whatever email is sent, so the answer reveals no account.',
        body: OptionalBody(Type.Object({ email: Type.Optional(Type.String({ maxLength: 320 })) }, { additionalProperties: false })),
        response: { 200: Type.Intersect([RequestOptionsSchema, Type.Object({ challenge_id: Type.String() })]) },
      },
    },
    async () => {
      const r = await opts.passwordless.options();
      return { ...r.options, challenge_id: r.challengeId };
    },
  );

  app.post(
    '/api/v1/auth/passkey/verify',
    {
      preHandler: opts.limits.verify,
      schema: {
        tags: ['auth', 'passkeys'],
        summary: 'Passwordless login, step 2: the assertion; answers like the login (cookie) or token endpoint',
        body: Type.Object(
          {
            challenge_id: Type.String({ maxLength: 64 }),
            response: AuthenticationResponseSchema,
            mode: Type.Union([Type.Literal('cookie'), Type.Literal('token')]),
            remember_me: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: LoginSuccessSchema },
      },
    },
    async (request, reply) => {
      const body = request.body as { challenge_id: string; response: AuthenticationResponseJSON; mode: 'cookie' | 'token'; remember_me?: boolean };
      const done = await opts.passwordless.verify(
        { challengeId: body.challenge_id, response: body.response, mode: body.mode, rememberMe: body.remember_me === true },
        ctxOf(request),
      );
      return replies.send(reply, done);
    },
  );
}
