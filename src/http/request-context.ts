import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { pooledRandomBytes } from '../crypto/random.js';
import { requestContext } from '../logging/context.js';

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const REQUEST_ID = /^[\w.-]{1,128}$/;

/**
 * Trace id of a request: the trace-id of a W3C traceparent, else a well-formed x-request-id,
 * else a fresh one. Used as Fastify's request id so every request log line carries it.
 */
export function traceIdFor(req: IncomingMessage): string {
  const tp = req.headers.traceparent;
  const m = typeof tp === 'string' ? TRACEPARENT.exec(tp.trim().toLowerCase()) : null;
  if (m && !/^0+$/.test(m[1]!)) return m[1]!;
  const rid = req.headers['x-request-id'];
  if (typeof rid === 'string' && REQUEST_ID.test(rid)) return rid;
  return pooledRandomBytes(16).toString('hex');
}

/** Returns the trace id in `x-request-id` and makes it reachable from any code the request runs. */
export const requestContextPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Fastify runs body parsing and the handler in an async resource created here, so the
    // context reaches handlers and services even when the body arrives in later packets.
    requestContext.run({ traceId: request.id }, done);
  });
});
