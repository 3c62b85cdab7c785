import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { UserStore } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import { isoOrNull } from '../shared/clock.js';
import type { Actor } from './admin.js';
import { clientIp } from './hooks.js';
import {
  BlacklistPage,
  BlacklistQuery,
  BlacklistEntry,
  IdParams,
  LockoutStatus,
  NetworkRules,
  NewBlacklistEntry,
  toBlacklistDto,
  toRuleDto,
} from './schema.js';
import type { ProtectionService } from './service.js';

const common = { tags: ['admin'], security: [{ bearer: [] }] };

/** Admin API of the protection capability: blacklist, network rules, account unlock. */
export async function protectionRoutes(
  app: FastifyInstance,
  opts: { protection: ProtectionService; users: Pick<UserStore, 'findById'>; authenticator: Authenticator },
) {
  const { admin } = opts.protection;
  const preHandler = requireRole(opts.authenticator, 'staff', 'superuser');
  const actor = (request: FastifyRequest): Actor => ({ id: request.auth!.userId, ip: clientIp(request) });
  const existingUser = async (id: string) => {
    if (!(await opts.users.findById(id))) throw new AppError('not_found');
  };

  app.get(
    '/api/v1/admin/blacklist',
    { preHandler, schema: { ...common, summary: 'Blacklist entries in force, newest first', querystring: BlacklistQuery, response: { 200: BlacklistPage } } },
    async (request) => {
      const q = request.query as Static<typeof BlacklistQuery>;
      const { items, total } = await admin.listBlacklist(q.page, q.page_size);
      return { items: items.map(toBlacklistDto), page: q.page, page_size: q.page_size, total, pages: Math.ceil(total / q.page_size) };
    },
  );

  app.post(
    '/api/v1/admin/blacklist',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Blacklist an address or range (403 ip_blocked on every route but /health); 409 self_lockout for your own address',
        body: NewBlacklistEntry,
        response: { 201: BlacklistEntry },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof NewBlacklistEntry>;
      const expiresAt = body.expires_at == null ? null : Date.parse(body.expires_at);
      const row = await admin.addBlacklist({ cidr: body.cidr, reason: body.reason ?? null, expiresAt }, actor(request));
      return reply.code(201).send(toBlacklistDto(row));
    },
  );

  app.delete(
    '/api/v1/admin/blacklist/:id',
    { preHandler, schema: { ...common, summary: 'Remove a blacklist entry (lifts an automatic block)', params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await admin.removeBlacklist((request.params as Static<typeof IdParams>).id, actor(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/admin/network-rules',
    { preHandler, schema: { ...common, summary: 'Network allow/deny rules, in evaluation order', response: { 200: NetworkRules } } },
    async () => ({ rules: (await admin.rules()).map(toRuleDto) }),
  );

  app.put(
    '/api/v1/admin/network-rules',
    {
      preHandler,
      schema: {
        ...common,
        summary: 'Replace the network rules (first match wins, default allow); 409 self_lockout if they would deny your own admin access',
        body: NetworkRules,
        response: { 200: NetworkRules },
      },
    },
    async (request) => {
      const body = request.body as Static<typeof NetworkRules>;
      return { rules: (await admin.replaceRules(body.rules, actor(request))).map(toRuleDto) };
    },
  );

  app.get(
    '/api/v1/admin/users/:id/lockout',
    { preHandler, schema: { ...common, summary: 'Account lockout state of a user', params: IdParams, response: { 200: LockoutStatus } } },
    async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      await existingUser(id);
      const s = await admin.lockoutStatus(id);
      return { locked: s.locked_until !== null, locked_until: isoOrNull(s.locked_until), failures: s.failures };
    },
  );

  app.post(
    '/api/v1/admin/users/:id/unlock',
    { preHandler, schema: { ...common, summary: 'Lift an account lockout and clear its failure count', params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>;
      await existingUser(id);
      await admin.unlock(id, actor(request));
      return reply.code(204).send();
    },
  );
}
