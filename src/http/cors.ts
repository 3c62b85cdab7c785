import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors/app-error.js';

/** Paths a browser app on another origin may call: the API and the JWKS. */
const CORS_PATHS = /^\/(api\/v1\/|\.well-known\/jwks\.json(\?|$))/;
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOW_HEADERS = 'authorization, content-type, x-request-id';
const EXPOSE_HEADERS = 'x-request-id, retry-after';
const PREFLIGHT_MAX_AGE = '600';

/**
 * CORS for browser apps that use bearer tokens, from the `cors_origins` allowlist. Listed
 * origins get the headers on API paths; any other origin gets none, so the browser withholds the
 * answer. Credentials are never allowed cross-origin: the session cookie stays first-party, and
 * an app elsewhere authenticates with `Authorization: Bearer` (which the CSRF rule lets through).
 *
 * A few lines of our own rather than @fastify/cors: with a per-request decision (the delegator)
 * that plugin copied and re-normalised its options on every request — 11% of the server's time on
 * a bearer request (bench/README.md). With no origins configured nothing varies, and no hook runs.
 */
export const corsPlugin = fp(async (app: FastifyInstance, opts: { origins: string[] }) => {
  const allowed = new Set(opts.origins.map((o) => o.replace(/\/$/, '')));
  if (allowed.size === 0) return;
  app.addHook('onRequest', (request, reply, done) => {
    // Answers differ by Origin, so shared caches must key on it.
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin) || !CORS_PATHS.test(request.url)) return done();
    reply.header('access-control-allow-origin', origin);
    if (request.method !== 'OPTIONS') {
      reply.header('access-control-expose-headers', EXPOSE_HEADERS);
      return done();
    }
    // A preflight is answered here, before authentication and routing (the browser sends no credentials with it).
    if (!request.headers['access-control-request-method']) {
      return done(new AppError('bad_request', { detail: 'A CORS preflight must name Access-Control-Request-Method' }));
    }
    void reply
      .headers({
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': PREFLIGHT_MAX_AGE,
      })
      .code(204)
      .send();
  });
});
