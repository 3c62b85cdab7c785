import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Type } from 'typebox';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors/app-error.js';
import { safeEqual } from '../crypto/random.js';

/** One registry per app instance (tests build several apps in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, requests, duration };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Counts every answer and serves GET /metrics with the configured access rule. */
export const metricsPlugin = fp(async (app: FastifyInstance, opts: { config: Config; metrics: Metrics }) => {
  const { config, metrics } = opts;
  // Labelled children are looked up once per (method, route, status), not hashed on every answer.
  const counters = new Map<string, ReturnType<typeof metrics.requests.labels>>();
  const timers = new Map<string, ReturnType<typeof metrics.duration.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL, so label cardinality stays bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const timerKey = `${request.method} ${route}`;
    const counterKey = `${timerKey} ${status}`;
    let counter = counters.get(counterKey);
    if (!counter) counters.set(counterKey, (counter = metrics.requests.labels(request.method, route, status)));
    let timer = timers.get(timerKey);
    if (!timer) timers.set(timerKey, (timer = metrics.duration.labels(request.method, route)));
    counter.inc();
    timer.observe(reply.elapsedTime / 1000);
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
      return metrics.registry.metrics();
    },
  );
});
