import type { FastifyInstance } from 'fastify';
import { adminUserRoutes } from '../admin/users-routes.js';
import type { Authenticator } from '../http/auth.js';
import type { SessionCookie } from '../sessions/cookie.js';
import { authAccountRoutes } from './auth-routes.js';
import { invitationRoutes } from './invitation-routes.js';
import { meRoutes } from './me-routes.js';
import { accountPages } from './pages/routes.js';
import type { Accounts } from './wiring.js';
import type { ProtectionService } from '../protection/service.js';

/** Every HTTP route of the accounts capability: public flows, /me, admin users and invitations, pages. */
export async function accountRoutes(
  app: FastifyInstance,
  opts: { accounts: Accounts; authenticator: Authenticator; cookie: SessionCookie; productName: string; protection: ProtectionService },
) {
  const { accounts: a, authenticator } = opts;
  await app.register(authAccountRoutes, { registration: a.registration, passwords: a.passwords, invitations: a.invitations, protection: opts.protection });
  await app.register(meRoutes, { authenticator, self: a.self, passwords: a.passwords, cookie: opts.cookie });
  await app.register(invitationRoutes, { authenticator, invitations: a.invitations, admin: a.admin });
  await app.register(adminUserRoutes, { authenticator, admin: a.admin });
  await app.register(accountPages, { productName: opts.productName });
}
