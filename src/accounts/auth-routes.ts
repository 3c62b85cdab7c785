import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bodyField, guardSecret, protect } from '../protection/hooks.js';
import type { ProtectionService } from '../protection/service.js';
import type { Invitations } from './invitations.js';
import type { PasswordFlows } from './password-flows.js';
import type { Registration } from './registration.js';
import { Accepted, acceptedBody, Email, LinkToken, Name, NewPassword, originOf } from './route-schemas.js';
import { UserSchema, toUserDto } from './schema.js';

const strict = { additionalProperties: false } as const;

/** Public account endpoints: register, verify, resend, forgot, reset, accept an invitation. */
export async function authAccountRoutes(
  app: FastifyInstance,
  opts: { registration: Registration; passwords: PasswordFlows; invitations: Invitations; protection: ProtectionService },
) {
  const { registration, passwords, invitations, protection } = opts;
  const tags = ['auth'];
  // Rate limits (src/protection): per IP and per IP+address; a wrong code or dead link counts as a failed guess.
  const byEmail = { account: bodyField('email') };
  const codeFailure = { failures: ['invalid_link' as const] };

  app.post(
    '/api/v1/auth/register',
    {
      preHandler: protect(protection, 'register', byEmail),
      schema: {
        tags,
        summary: 'Register; answers the same for a new and an already registered address',
        body: Type.Object({ email: Email, password: NewPassword, name: Name }, strict),
        response: { 201: Type.Object({ verification_required: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string; name: string };
      const result = await registration.register(body, originOf(request));
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/api/v1/auth/verify-email',
    {
      ...guardSecret(protection, 'code_verify', { ...byEmail, ...codeFailure }),
      schema: {
        tags,
        summary: 'Verify an email address with the mailed link token or the 6-digit code',
        body: Type.Union([
          Type.Object({ token: LinkToken }, strict),
          Type.Object({ email: Email, code: Type.String({ pattern: '^[0-9]{6}$' }) }, strict),
        ]),
        response: { 200: Type.Object({ user: UserSchema }) },
      },
    },
    async (request) => {
      const body = request.body as { token: string } | { email: string; code: string };
      const user =
        'token' in body
          ? await registration.verifyByToken(body.token, originOf(request))
          : await registration.verifyByCode(body.email, body.code, originOf(request));
      return { user: toUserDto(user) };
    },
  );

  app.post(
    '/api/v1/auth/verify-email/resend',
    {
      preHandler: protect(protection, 'mail_send', byEmail),
      schema: {
        tags,
        summary: 'Send a new verification mail (limited per address; the same answer for any address)',
        body: Type.Object({ email: Email }, strict),
        response: { 202: Accepted },
      },
    },
    async (request, reply) => {
      await registration.resend((request.body as { email: string }).email);
      return reply.code(202).send(acceptedBody);
    },
  );

  app.post(
    '/api/v1/auth/password/forgot',
    {
      preHandler: protect(protection, 'mail_send', byEmail),
      schema: {
        tags,
        summary: 'Mail a password reset link; the same answer whether or not the account exists',
        body: Type.Object({ email: Email }, strict),
        response: { 202: Accepted },
      },
    },
    async (request, reply) => {
      await passwords.forgot((request.body as { email: string }).email, originOf(request));
      return reply.code(202).send(acceptedBody);
    },
  );

  app.post(
    '/api/v1/auth/password/reset',
    {
      ...guardSecret(protection, 'code_verify', codeFailure),
      schema: {
        tags,
        summary: 'Set a new password with a reset (or setup) link; ends every session of the user',
        body: Type.Object({ token: LinkToken, password: NewPassword }, strict),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const body = request.body as { token: string; password: string };
      await passwords.reset(body.token, body.password, originOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/auth/invitations/accept',
    {
      ...guardSecret(protection, 'code_verify', codeFailure),
      schema: {
        tags,
        summary: 'Accept an invitation: creates the active account',
        body: Type.Object({ token: LinkToken, name: Name, password: NewPassword }, strict),
        response: { 201: Type.Object({ user: UserSchema }) },
      },
    },
    async (request, reply) => {
      const body = request.body as { token: string; name: string; password: string };
      const user = await invitations.accept(body, originOf(request));
      return reply.code(201).send({ user: toUserDto(user) });
    },
  );
}
