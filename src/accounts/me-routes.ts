import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireAuth, type Authenticator } from '../http/auth.js';
import type { SessionCookie } from '../sessions/cookie.js';
import type { PasswordFlows } from './password-flows.js';
import { ProfileFields } from './profile.js';
import { AnyPassword, Name, NewPassword, originOf } from './route-schemas.js';
import { UserSchema, toUserDto } from './schema.js';
import type { ProfilePatch, SelfService } from './self-service.js';

const strict = { additionalProperties: false } as const;

/** The signed-in user's own account: GET/PATCH/DELETE /api/v1/me and POST /api/v1/me/password. */
export async function meRoutes(
  app: FastifyInstance,
  opts: { authenticator: Authenticator; self: SelfService; passwords: PasswordFlows; cookie: SessionCookie },
) {
  const { self, passwords, cookie } = opts;
  const preHandler = requireAuth(opts.authenticator);
  const common = { tags: ['me'], security: [{ bearer: [] }] };

  app.get(
    '/api/v1/me',
    { preHandler, schema: { ...common, summary: 'The signed-in user', response: { 200: UserSchema } } },
    async (request) => toUserDto(await self.get(request.auth!.userId)),
  );

  app.patch(
    '/api/v1/me',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Change your name and profile claims (an empty string removes a claim)',
        body: Type.Object({ name: Type.Optional(Name), ...ProfileFields }, { ...strict, minProperties: 1 }),
        response: { 200: UserSchema },
      },
    },
    async (request) => toUserDto(await self.updateProfile(request.auth!.userId, request.body as ProfilePatch, originOf(request))),
  );

  app.delete(
    '/api/v1/me',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Delete your account and all its data (needs your password)',
        body: Type.Object({ password: AnyPassword }, strict),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await self.deleteSelf(request.auth!.userId, (request.body as { password: string }).password, originOf(request));
      if (request.cookies?.[cookie.name]) reply.clearCookie(cookie.name, cookie.clearOptions());
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/me/password',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Change your password (needs the current one); your other sessions end',
        body: Type.Object({ current_password: AnyPassword, new_password: NewPassword }, strict),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const body = request.body as { current_password: string; new_password: string };
      const auth = request.auth!;
      await passwords.change(auth.userId, auth.sessionId, body.current_password, body.new_password, originOf(request));
      return reply.code(204).send();
    },
  );
}
