import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors/app-error.js';
import { optionalAuth, requireAuth, type Authenticator } from '../http/auth.js';
import { isoTime } from '../shared/clock.js';
import { RevokeAllQuery, SessionIdParams, SessionListSchema, StatusSchema, toSessionDto } from './schema.js';
import type { SessionService } from './service.js';

/** GET /api/v1/auth/status and the caller's own sessions under /api/v1/me/sessions. */
export async function sessionRoutes(
  app: FastifyInstance,
  opts: { sessions: SessionService; authenticator: Authenticator; grantedIdle: (sid: string) => number | undefined },
) {
  const { sessions, authenticator } = opts;
  const auth = requireAuth(authenticator);
  const security = [{ bearer: [] }];

  app.get(
    '/api/v1/auth/status',
    {
      preHandler: optionalAuth(authenticator),
      schema: { tags: ['auth'], summary: 'Whether the caller is signed in, and with which session', response: { 200: StatusSchema } },
    },
    async (request) => {
      const a = request.auth;
      if (!a) return { authenticated: false };
      return {
        authenticated: true,
        user_id: a.userId,
        session_id: a.sessionId,
        auth_time: isoTime(a.authTime),
        expires_at: isoTime(a.expiresAt),
        amr: a.amr,
        remember_me: a.rememberMe,
        via: a.via,
      };
    },
  );

  app.get(
    '/api/v1/me/sessions',
    {
      preHandler: auth,
      schema: { tags: ['me'], summary: 'My live sessions; the one in use is marked current', security, response: { 200: SessionListSchema } },
    },
    async (request) => {
      const rows = await sessions.listForUser(request.auth!.userId);
      return { items: rows.map((r) => toSessionDto(r, request.auth!.sessionId, opts.grantedIdle(r.id))) };
    },
  );

  app.delete(
    '/api/v1/me/sessions/:id',
    {
      preHandler: auth,
      schema: { tags: ['me'], summary: 'End one of my sessions', security, params: SessionIdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const a = request.auth!;
      const ok = await sessions.revokeOwned(a.userId, id, { reason: 'user_revoked', actorId: a.userId, ip: request.ip });
      if (!ok) throw new AppError('not_found');
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/me/sessions',
    {
      preHandler: auth,
      schema: {
        tags: ['me'],
        summary: 'End all my other sessions (include_current=true: all of them)',
        security,
        querystring: RevokeAllQuery,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { include_current } = request.query as { include_current?: boolean };
      const a = request.auth!;
      await sessions.revokeAllForUser(a.userId, {
        reason: 'user_revoked_all',
        exceptSessionId: include_current ? undefined : a.sessionId,
        actorId: a.userId,
        ip: request.ip,
      });
      return reply.code(204).send();
    },
  );
}
