import type { FastifyInstance } from 'fastify';
import type { UserStore } from '../accounts/store.js';
import type { Authenticator } from '../http/auth.js';
import { protect } from '../protection/hooks.js';
import type { ProtectionService } from '../protection/service.js';
import type { SessionCookie } from '../sessions/cookie.js';
import type { TokenService } from '../tokens/service.js';
import { mfaAdminRoutes } from './admin-routes.js';
import { deviceRoutes } from './devices/routes.js';
import { createLoginReplies } from './finish.js';
import { meMfaRoutes } from './me-routes.js';
import { passkeyRoutes } from './passkeys/routes.js';
import { mfaRoutes } from './routes.js';
import type { Mfa } from './wiring.js';

/**
 * Every MFA route: the login's second step, self-service under /api/v1/me/{mfa,passkeys,devices},
 * passwordless passkeys and the admin reset. Sends and checks sit behind the per-IP flow limits
 * (mfa_send, mfa_verify) besides the per-user limits of the mfa capability.
 */
export async function mfaPlugin(
  app: FastifyInstance,
  opts: {
    mfa: Mfa;
    users: UserStore;
    authenticator: Authenticator;
    cookie: SessionCookie;
    tokens: Pick<TokenService, 'issue'>;
    protection: ProtectionService;
  },
) {
  const { mfa, users, authenticator, protection } = opts;
  const replies = createLoginReplies({ cookie: opts.cookie, tokens: opts.tokens, devices: mfa.devices });
  const limits = { send: protect(protection, 'mfa_send'), verify: protect(protection, 'mfa_verify') };
  const guarded = { authenticator, transactions: mfa.transactions, users, replies };

  await app.register(mfaRoutes, { mfa: mfa.service, replies, limits });
  await app.register(meMfaRoutes, { ...guarded, enrolment: mfa.enrolment, store: mfa.store, totp: mfa.totp, email: mfa.email, sms: mfa.sms, limits });
  await app.register(passkeyRoutes, { ...guarded, passkeys: mfa.passkeys, passwordless: mfa.passwordless, enrolment: mfa.enrolment, limits });
  await app.register(deviceRoutes, { devices: mfa.devices, authenticator });
  await app.register(mfaAdminRoutes, { enrolment: mfa.enrolment, users, authenticator });
}
