import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Type } from 'typebox';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors/app-error.js';
import { safeEqual } from '../crypto/random.js';
import { HttpMetrics } from './http-metrics.js';

/** One registry per app instance (tests build several apps in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { registry, http: new HttpMetrics() };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Counts every answer and serves GET /metrics with the configured access rule. */
export const metricsPlugin = fp(async (app: FastifyInstance, opts: { config: Config; metrics: Metrics }) => {
  const { config, metrics } = opts;
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL, so label cardinality stays bounded.
    metrics.http.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (config.metrics === 'off') return;
  app.get(
    '/metrics',
    {
      schema: {
        hide: true,
        headers: Type.Object({ authorization: Type.Optional(Type.String()) }),
        response: { 200: Type.String() },
      },
    },
    async (request, reply) => {
      if (config.metrics === 'token') {
        const given = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
        if (!config.metrics_token || !safeEqual(given, config.metrics_token)) throw new AppError('unauthorized');
      }
      reply.type(metrics.registry.contentType);
      return `${metrics.http.render()}\n${await metrics.registry.metrics()}`;
    },
  );
});
