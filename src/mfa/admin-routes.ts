import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { UserStore } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import type { MfaEnrolment } from './enrolment.js';
import { ctxOf } from './guard.js';

/** DELETE /api/v1/admin/users/{id}/mfa: reset a user's MFA (staff and superusers). */
export async function mfaAdminRoutes(app: FastifyInstance, opts: { enrolment: MfaEnrolment; users: UserStore; authenticator: Authenticator }) {
  app.delete(
    '/api/v1/admin/users/:id/mfa',
    {
      preHandler: requireRole(opts.authenticator, 'staff', 'superuser'),
      schema: {
        tags: ['admin', 'mfa'],
        summary: "Reset a user's MFA: removes every method, trusted device and pending login, ends their sessions",
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const target = await opts.users.findById(id);
      if (!target) throw new AppError('not_found');
      const actorId = request.auth!.userId;
      // Staff may not strip a superuser's second factor: that would be a way up.
      if (target.role === 'superuser' && (await opts.authenticator.activeRole(actorId)) !== 'superuser') throw new AppError('forbidden');
      await opts.enrolment.adminReset(id, { id: actorId, ...ctxOf(request) });
      return reply.code(204).send();
    },
  );
}
