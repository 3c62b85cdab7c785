import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AdminUsers } from '../admin/users-service.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import { isoOrNull, isoTime } from '../shared/clock.js';
import type { InvitationRow, InvitationStatus } from './invitation-store.js';
import type { Invitations } from './invitations.js';
import type { Role } from './roles.js';
import { Email, originOf } from './route-schemas.js';

const strict = { additionalProperties: false } as const;
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
const StatusSchema = Type.Union(['pending', 'accepted', 'revoked', 'expired'].map((s) => Type.Literal(s)));

/** An invitation as the API shows it: never the token. */
const InvitationSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Nullable(Type.String()),
  role: Type.String(),
  status: Type.String(),
  invited_by: Nullable(Type.String()),
  user_id: Nullable(Type.String()),
  created_at: Type.String(),
  expires_at: Type.String(),
  accepted_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
});

/** /api/v1/admin/invitations: list, create, revoke (staff and superusers). */
export async function invitationRoutes(
  app: FastifyInstance,
  opts: { authenticator: Authenticator; invitations: Invitations; admin: AdminUsers },
) {
  const { invitations, admin } = opts;
  const preHandler = requireRole(opts.authenticator, 'staff', 'superuser');
  const common = { tags: ['admin'], security: [{ bearer: [] }] };
  const actorOf = (request: FastifyRequest) => admin.actor(request.auth!.userId);
  const dto = (row: InvitationRow) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: invitations.status(row),
    invited_by: row.invited_by,
    user_id: row.user_id,
    created_at: isoTime(row.created_at),
    expires_at: isoTime(row.expires_at),
    accepted_at: isoOrNull(row.consumed_at),
    revoked_at: isoOrNull(row.revoked_at),
  });

  app.get(
    '/api/v1/admin/invitations',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'List invitations, newest first',
        querystring: Type.Object(
          {
            status: Type.Optional(StatusSchema),
            page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
            page_size: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          },
          strict,
        ),
        response: {
          200: Type.Object({
            items: Type.Array(InvitationSchema),
            page: Type.Integer(),
            page_size: Type.Integer(),
            total: Type.Integer(),
            pages: Type.Integer(),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query as { status?: InvitationStatus; page: number; page_size: number };
      const { items, total } = await invitations.list({ status: q.status, offset: (q.page - 1) * q.page_size, limit: q.page_size });
      return { items: items.map(dto), page: q.page, page_size: q.page_size, total, pages: Math.ceil(total / q.page_size) };
    },
  );

  app.post(
    '/api/v1/admin/invitations',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Invite someone by email (single-use link, valid 7 days by default)',
        body: Type.Object(
          {
            email: Email,
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: Type.Optional(Type.Union([Type.Literal('superuser'), Type.Literal('staff'), Type.Literal('user')])),
          },
          strict,
        ),
        response: { 201: InvitationSchema },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; name?: string; role?: Role };
      const row = await invitations.invite(await actorOf(request), body, originOf(request));
      return reply.code(201).send(dto(row));
    },
  );

  app.delete(
    '/api/v1/admin/invitations/:id',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Revoke a pending invitation',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await invitations.revoke(await actorOf(request), (request.params as { id: string }).id, originOf(request));
      return reply.code(204).send();
    },
  );
}
