import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../accounts/invitations.js';
import { Accepted, acceptedBody, originOf } from '../accounts/route-schemas.js';
import { UserSchema, toUserDto } from '../accounts/schema.js';
import type { UserSortKey } from '../accounts/store.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import type { AdminCreateInput, AdminUpdateInput, AdminUsers, BulkAction } from './users-service.js';
import { AdminCreateBody, AdminUpdateBody, BulkBody, BulkReply, UserIdParams, UserListQuery, UserPage } from './users-schema.js';

interface ListQuery {
  q?: string;
  status?: 'pending' | 'active' | 'disabled';
  role?: 'superuser' | 'staff' | 'user';
  page: number;
  page_size: number;
  sort: string;
}

/** /api/v1/admin/users: staff and superusers only; the rules live in the admin users service. */
export async function adminUserRoutes(app: FastifyInstance, opts: { authenticator: Authenticator; admin: AdminUsers }) {
  const { admin } = opts;
  const preHandler = requireRole(opts.authenticator, 'staff', 'superuser');
  const common = { tags: ['admin'], security: [{ bearer: [] }] };
  const actorOf = (request: FastifyRequest): Promise<Actor> => admin.actor(request.auth!.userId);
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.get(
    '/api/v1/admin/users',
    { preHandler, schema: { ...common, summary: 'List users', querystring: UserListQuery, response: { 200: UserPage } } },
    async (request) => {
      const query = request.query as ListQuery;
      const desc = query.sort.startsWith('-');
      const { items, total } = await admin.list({
        q: query.q,
        status: query.status,
        role: query.role,
        sort: { key: query.sort.replace(/^-/, '') as UserSortKey, desc },
        offset: (query.page - 1) * query.page_size,
        limit: query.page_size,
      });
      return { items: items.map(toUserDto), page: query.page, page_size: query.page_size, total, pages: Math.ceil(total / query.page_size) };
    },
  );

  app.post(
    '/api/v1/admin/users',
    {
      preHandler,
      schema: { ...common, summary: 'Create a user (no password: a setup link is mailed)', body: AdminCreateBody, response: { 201: UserSchema } },
    },
    async (request, reply) => {
      const user = await admin.create(await actorOf(request), request.body as AdminCreateInput, originOf(request));
      return reply.code(201).send(toUserDto(user));
    },
  );

  app.post(
    '/api/v1/admin/users/bulk',
    { preHandler, schema: { ...common, summary: 'Activate, deactivate or delete many users', body: BulkBody, response: { 200: BulkReply } } },
    async (request) => {
      const body = request.body as { ids: string[]; action: BulkAction };
      return { results: await admin.bulk(await actorOf(request), body.ids, body.action, originOf(request)) };
    },
  );

  app.get(
    '/api/v1/admin/users/:id',
    { preHandler, schema: { ...common, summary: 'One user', params: UserIdParams, response: { 200: UserSchema } } },
    async (request) => toUserDto(await admin.get(idOf(request))),
  );

  app.patch(
    '/api/v1/admin/users/:id',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Change a user; status disabled ends their sessions. No password field: send a reset',
        params: UserIdParams,
        body: AdminUpdateBody,
        response: { 200: UserSchema },
      },
    },
    async (request) =>
      toUserDto(await admin.update(await actorOf(request), idOf(request), request.body as AdminUpdateInput, originOf(request))),
  );

  app.delete(
    '/api/v1/admin/users/:id',
    { preHandler, schema: { ...common, summary: 'Delete a user and all their data', params: UserIdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await admin.remove(await actorOf(request), idOf(request), originOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/admin/users/:id/password-reset',
    { preHandler, schema: { ...common, summary: 'Mail the user a password reset link', params: UserIdParams, response: { 202: Accepted } } },
    async (request, reply) => {
      await admin.sendReset(await actorOf(request), idOf(request), originOf(request));
      return reply.code(202).send(acceptedBody);
    },
  );
}
