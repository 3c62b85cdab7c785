import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { Container } from './container.js';
import cookiePlugin from '@fastify/cookie';
import { errorsPlugin } from './http/errors-plugin.js';
import { lazySchemaCompilers } from './http/lazy-schemas.js';
import { authPlugin } from './http/auth.js';
import { csrfPlugin } from './http/csrf.js';
import { loginRoutes } from './login/routes.js';
import { corsPlugin } from './http/cors.js';
import { tokenRoutes } from './tokens/routes.js';
import { mfaPlugin } from './mfa/plugin.js';
import { sessionRoutes } from './sessions/routes.js';
import { adminUserSessionRoutes } from './sessions/admin-routes.js';
import { accountRoutes } from './accounts/routes.js';
import { requestContextPlugin, traceIdFor } from './http/request-context.js';
import { healthRoutes } from './observability/health.js';
import { keyRoutes } from './keys/routes.js';
import { metricsPlugin } from './observability/metrics.js';
import { securityHeadersPlugin } from './http/security-headers.js';
import { protectionPlugin } from './protection/hooks.js';
import { protectionRoutes } from './protection/routes.js';
import { adminEventsRoutes } from './admin/events-routes.js';
import { adminEventStreamRoutes } from './admin/events-stream.js';
import { adminLogsRoutes } from './admin/logs-routes.js';
import { adminSessionsRoutes } from './admin/sessions-routes.js';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * Builds the HTTP application around a container. Plugins are registered explicitly, in order:
 * cross-cutting ones first, then each capability's routes. Tests call this and listen on port 0.
 */
export async function buildApp(c: Container): Promise<App> {
  const { config } = c;
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    logController: new LogController({ requestIdLogLabel: 'trace_id' }),
    genReqId: traceIdFor,
    bodyLimit: config.body_limit,
    // The one rule for the client IP: the socket address, or X-Forwarded-For only through proxies we trust.
    trustProxy: config.trusted_proxies.length ? config.trusted_proxies : false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    schemaController: { compilersFactory: lazySchemaCompilers() },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(requestContextPlugin);
  await app.register(errorsPlugin);
  // Headers first so every answer carries them, refusals included; then blacklist, network rules, per-IP limit.
  await app.register(securityHeadersPlugin, { publicUrl: config.public_url });
  await app.register(protectionPlugin, { protection: c.protection });
  await app.register(metricsPlugin, { config, metrics: c.metrics });
  await app.register(corsPlugin, { origins: config.cors_origins });
  await app.register(csrfPlugin, { publicUrl: config.public_url, corsOrigins: config.cors_origins, cookieName: c.cookie.name });
  await app.register(cookiePlugin);
  await app.register(authPlugin);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse API', version: '1' },
      servers: [{ url: config.public_url }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // Only the enrolment endpoints accept it, after an mfa_enrollment_required login answer.
          mfaToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'MfaToken <mfa_token>' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  await app.register(healthRoutes, {
    checks: { database: () => c.db.ping(), cache: () => c.cache.ping() },
  });
  await app.register(loginRoutes, { login: c.login, sessions: c.sessions, authenticator: c.authenticator, cookie: c.cookie, protection: c.protection });
  await app.register(protectionRoutes, { protection: c.protection, users: c.users, authenticator: c.authenticator });
  await app.register(accountRoutes, {
    accounts: c.accounts,
    authenticator: c.authenticator,
    cookie: c.cookie,
    productName: config.brand.product_name,
    protection: c.protection,
  });
  await app.register(keyRoutes, { keys: c.keys });
  await app.register(tokenRoutes, { login: c.login, tokens: c.tokens, protection: c.protection });
  await app.register(mfaPlugin, {
    mfa: c.mfa,
    users: c.users,
    authenticator: c.authenticator,
    cookie: c.cookie,
    tokens: c.tokens,
    protection: c.protection,
  });
  await app.register(sessionRoutes, { sessions: c.sessions, authenticator: c.authenticator, grantedIdle: c.activity.grantedIdle });
  await app.register(adminUserSessionRoutes, { sessions: c.sessions, users: c.users, authenticator: c.authenticator });
  await app.register(adminEventsRoutes, { events: c.events, authenticator: c.authenticator });
  await app.register(adminEventStreamRoutes, {
    events: c.events,
    store: c.eventStore,
    authenticator: c.authenticator,
    heartbeatMs: config.events.stream_heartbeat * 1000,
    onSessionRevoked: (l) => c.sessions.onRevoked(l),
    sessionLive: async (sid) => (await c.sessions.findLive(sid)) !== undefined,
  });
  await app.register(adminLogsRoutes, { dataDir: config.data_dir, authenticator: c.authenticator });
  await app.register(adminSessionsRoutes, { db: c.db.kysely, clock: c.clock, authenticator: c.authenticator });
  app.get('/api/openapi.json', { schema: { hide: true, response: { 200: Type.Any() } } }, async () => app.swagger());

  return app;
}
