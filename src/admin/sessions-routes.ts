import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Type, type Static } from 'typebox';
import type { Database } from '../db/database.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import { isoTime, type Clock } from '../shared/clock.js';
import { createAdminSessionList } from './sessions-list.js';

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

/** A session as /api/v1/me/sessions shows it, plus its user. */
const AdminSessionSchema = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  current: Type.Boolean({ description: 'The session making this request' }),
  login_time: Type.String(),
  login_ip: Nullable(Type.String()),
  login_user_agent: Nullable(Type.String()),
  login_location: Type.String({ description: '"City, CC", "CC", "private" or "unknown"' }),
  last_active: Type.String(),
  last_ip: Nullable(Type.String()),
  last_user_agent: Nullable(Type.String()),
  last_location: Type.String(),
  remember_me: Type.Boolean(),
});

const SessionsQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Login or last-seen address' })),
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    page_size: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const SessionPage = Type.Object({
  items: Type.Array(AdminSessionSchema),
  page: Type.Integer(),
  page_size: Type.Integer(),
  total: Type.Integer(),
  pages: Type.Integer(),
});

/** GET /api/v1/admin/sessions: live sessions across users, newest login first. */
export async function adminSessionsRoutes(app: FastifyInstance, opts: { db: Kysely<Database>; clock: Clock; authenticator: Authenticator }) {
  const list = createAdminSessionList(opts.db);
  app.get(
    '/api/v1/admin/sessions',
    {
      preHandler: requireRole(opts.authenticator, 'staff', 'superuser'),
      schema: {
        tags: ['admin'],
        summary: 'Live sessions of all users',
        security: [{ bearer: [] }],
        querystring: SessionsQuery,
        response: { 200: SessionPage },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof SessionsQuery>;
      const { rows, total } = await list.page({ userId: q.user_id, ip: q.ip }, opts.clock.now(), (q.page - 1) * q.page_size, q.page_size);
      const currentId = request.auth?.sessionId;
      return {
        items: rows.map((s) => ({
          id: s.id,
          user_id: s.user_id,
          current: s.id === currentId,
          login_time: isoTime(s.login_time),
          login_ip: s.login_ip,
          login_user_agent: s.login_user_agent,
          login_location: s.login_location ?? 'unknown',
          last_active: isoTime(s.last_active),
          last_ip: s.last_ip,
          last_user_agent: s.last_user_agent,
          last_location: s.last_location ?? 'unknown',
          remember_me: s.remember_me === 1,
        })),
        page: q.page,
        page_size: q.page_size,
        total,
        pages: Math.ceil(total / q.page_size),
      };
    },
  );
}
