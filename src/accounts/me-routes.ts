import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors/app-error.js';
import { requireAuth, type Authenticator } from '../http/auth.js';
import { UserSchema, toUserDto } from './schema.js';
import type { UserStore } from './store.js';

/** GET /api/v1/me: the signed-in user. */
export async function meRoutes(app: FastifyInstance, opts: { users: UserStore; authenticator: Authenticator }) {
  app.get(
    '/api/v1/me',
    {
      preHandler: requireAuth(opts.authenticator),
      schema: { tags: ['me'], summary: 'The signed-in user', security: [{ bearer: [] }], response: { 200: UserSchema } },
    },
    async (request) => {
      const user = await opts.users.findById(request.auth!.userId);
      if (!user || user.status !== 'active') throw new AppError('unauthorized');
      return toUserDto(user);
    },
  );
}
