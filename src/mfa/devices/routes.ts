import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../errors/app-error.js';
import { requireAuth, type Authenticator } from '../../http/auth.js';
import { isoOrNull, isoTime } from '../../shared/clock.js';
import { ctxOf } from '../guard.js';
import type { TrustedDevices } from './service.js';

const DeviceSchema = Type.Object({
  id: Type.String(),
  current: Type.Boolean({ description: 'The browser this request came from' }),
  ua_family: Type.String(),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.String(),
});

/** GET/DELETE /api/v1/me/devices[/{id}]: trusted devices (which skip MFA), listed beside sessions. */
export async function deviceRoutes(app: FastifyInstance, opts: { devices: TrustedDevices; authenticator: Authenticator }) {
  const { devices } = opts;
  const auth = requireAuth(opts.authenticator);
  const tags = ['me', 'mfa'];
  const security = [{ bearer: [] }];

  app.get(
    '/api/v1/me/devices',
    { preHandler: auth, schema: { tags, summary: 'Your trusted devices', security, response: { 200: Type.Object({ items: Type.Array(DeviceSchema) }) } } },
    async (request) => {
      const current = await devices.currentId(request.cookies?.[devices.cookieName]);
      const rows = await devices.list(request.auth!.userId);
      return {
        items: rows.map((d) => ({
          id: d.id,
          current: d.id === current,
          ua_family: d.ua_family,
          user_agent: d.user_agent,
          ip: d.ip,
          created_at: isoTime(d.created_at),
          last_used_at: isoOrNull(d.last_used_at),
          expires_at: isoTime(d.expires_at),
        })),
      };
    },
  );

  app.delete(
    '/api/v1/me/devices/:id',
    {
      preHandler: auth,
      schema: { tags, summary: 'Stop trusting a device', security, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const userId = request.auth!.userId;
      if (!(await devices.revoke(userId, id, { ...ctxOf(request), actorId: userId }))) throw new AppError('not_found');
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/me/devices',
    { preHandler: auth, schema: { tags, summary: 'Stop trusting every device', security, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const userId = request.auth!.userId;
      await devices.revokeAll(userId, 'revoked', { ...ctxOf(request), actorId: userId });
      if (request.cookies?.[devices.cookieName]) reply.clearCookie(devices.cookieName, devices.clearOptions());
      return reply.code(204).send();
    },
  );
}
