import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Paths a browser app on another origin may call: the API and the JWKS. */
const CORS_PATHS = /^\/(api\/v1\/|\.well-known\/jwks\.json(\?|$))/;

/**
 * CORS for browser apps that use bearer tokens, from the `cors_origins` allowlist. Listed
 * origins get the headers on API paths; any other origin gets none, so the browser withholds the
 * answer. Credentials are never allowed cross-origin: the session cookie stays first-party, and
 * an app elsewhere authenticates with `Authorization: Bearer` (which the CSRF rule lets through).
 */
export const corsPlugin = fp(async (app: FastifyInstance, opts: { origins: string[] }) => {
  const allowed = new Set(opts.origins.map((o) => o.replace(/\/$/, '')));
  // Two fixed option sets, built once: the delegator runs on every request.
  const common = {
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
    strictPreflight: true,
  };
  // origin: true reflects the request's Origin, which the delegator has just checked against the list.
  const grant = Object.freeze({ ...common, origin: true });
  const refuse = Object.freeze({ ...common, origin: false });
  await app.register(cors, {
    delegator: (request: FastifyRequest, cb) => {
      const origin = request.headers.origin;
      const ok = origin !== undefined && allowed.has(origin) && CORS_PATHS.test(request.url);
      cb(null, ok ? grant : refuse);
    },
  });
});
