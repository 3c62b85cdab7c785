import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { UserStore } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import { isoOrNull } from '../shared/clock.js';
import { AdminSessionSchema, SessionListSchema, toSessionDto } from './schema.js';
import type { SessionService } from './service.js';

const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const UserSessionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  sid: Type.String({ minLength: 1, maxLength: 64 }),
});

/**
 * GET/DELETE /api/v1/admin/users/{id}/sessions[/{sid}]: staff and superusers list and end a
 * user's sessions. Staff may not touch a superuser's sessions (neither list nor end them).
 */
export async function adminUserSessionRoutes(
  app: FastifyInstance,
  opts: { sessions: SessionService; users: UserStore; authenticator: Authenticator },
) {
  const { sessions, users, authenticator } = opts;
  const guard = requireRole(authenticator, 'staff', 'superuser');
  const security = [{ bearer: [] }];

  /** The target user, after checking the caller may act on them. */
  async function target(request: FastifyRequest, userId: string) {
    const user = await users.findById(userId);
    if (!user) throw new AppError('not_found');
    if (user.role === 'superuser' && (await authenticator.activeRole(request.auth!.userId)) !== 'superuser') {
      throw new AppError('forbidden', { detail: "Only a superuser may manage a superuser's sessions" });
    }
    return user;
  }

  app.get(
    '/api/v1/admin/users/:id/sessions',
    {
      preHandler: guard,
      schema: { tags: ['admin'], summary: "A user's live sessions", security, params: UserParams, response: { 200: SessionListSchema } },
    },
    async (request) => {
      const user = await target(request, (request.params as { id: string }).id);
      const rows = await sessions.listForUser(user.id);
      return { items: rows.map((r) => toSessionDto(r, request.auth!.sessionId)) };
    },
  );

  app.delete(
    '/api/v1/admin/users/:id/sessions',
    {
      preHandler: guard,
      schema: { tags: ['admin'], summary: "End all of a user's sessions", security, params: UserParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const user = await target(request, (request.params as { id: string }).id);
      await sessions.revokeAllForUser(user.id, { reason: 'admin_revoked', actorId: request.auth!.userId, ip: request.ip });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/admin/users/:id/sessions/:sid',
    {
      preHandler: guard,
      schema: {
        tags: ['admin'],
        summary: "One of a user's sessions, live or ended (with the revocation reason)",
        security,
        params: UserSessionParams,
        response: { 200: AdminSessionSchema },
      },
    },
    async (request) => {
      const { id, sid } = request.params as { id: string; sid: string };
      const user = await target(request, id);
      const row = await sessions.find(sid);
      if (!row || row.user_id !== user.id) throw new AppError('not_found');
      return {
        ...toSessionDto(row, request.auth!.sessionId),
        user_id: row.user_id,
        revoked_at: isoOrNull(row.revoked_at),
        revoked_reason: row.revoked_reason,
      };
    },
  );

  app.delete(
    '/api/v1/admin/users/:id/sessions/:sid',
    {
      preHandler: guard,
      schema: { tags: ['admin'], summary: "End one of a user's sessions", security, params: UserSessionParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const { id, sid } = request.params as { id: string; sid: string };
      const user = await target(request, id);
      const ok = await sessions.revokeOwned(user.id, sid, { reason: 'admin_revoked', actorId: request.auth!.userId, ip: request.ip });
      if (!ok) throw new AppError('not_found');
      return reply.code(204).send();
    },
  );
}
