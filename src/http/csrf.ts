import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors/app-error.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence, before the body is parsed. A state-changing request without an Authorization
 * header (so one a browser could send with cookies) must come from our own origin: Origin equal
 * to the public URL's origin, or — with no Origin — a JSON content type (which a cross-site form
 * cannot send) or no body at all. Browser apps on an allowed CORS origin may call the API only
 * while they carry no session cookie (they use bearer tokens).
 */
export const csrfPlugin = fp(async (app: FastifyInstance, opts: { publicUrl: string; corsOrigins: string[]; cookieName: string }) => {
  const own = new URL(opts.publicUrl).origin;
  const allowed = new Set(opts.corsOrigins.map((o) => o.replace(/\/$/, '')));
  // Synchronous: it never waits for anything, so it costs no promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!UNSAFE.has(request.method) || request.headers.authorization) return done();
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (origin === own) return done();
      const hasCookie = (request.headers.cookie ?? '').includes(`${opts.cookieName}=`);
      if (!hasCookie && allowed.has(origin)) return done();
      return done(new AppError('csrf_failed'));
    }
    const type = String(request.headers['content-type'] ?? '');
    const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    const chunked = request.headers['transfer-encoding'] !== undefined;
    if (/^application\/([\w.+-]+\+)?json\b/i.test(type) || (!type && !hasBody && !chunked)) return done();
    done(new AppError('csrf_failed'));
  });
});
