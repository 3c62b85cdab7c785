import type { FastifyInstance, onResponseHookHandler } from 'fastify';
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

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Counts every answer and serves GET /metrics with the configured access rule. */
export const metricsPlugin = fp(async (app: FastifyInstance, opts: { config: Config; metrics: Metrics }) => {
  const { config, metrics } = opts;
  // Labelled children are looked up once per (method, route, status), not hashed on every answer.
  const counters = new Map<string, ReturnType<typeof metrics.requests.labels>>();
  const timers = new Map<string, ReturnType<typeof metrics.duration.labels>>();
  // The route pattern, never the raw URL, so label cardinality stays bounded.
  const record = (method: string, route: string, status: number, elapsedMs: number) => {
    const timerKey = `${method} ${route}`;
    const counterKey = `${timerKey} ${status}`;
    let counter = counters.get(counterKey);
    if (!counter) counters.set(counterKey, (counter = metrics.requests.labels(method, route, String(status))));
    let timer = timers.get(timerKey);
    if (!timer) timers.set(timerKey, (timer = metrics.duration.labels(method, route)));
    counter.inc();
    timer.observe(elapsedMs / 1000);
  };
  // Each route gets its own hook that knows its pattern: reading request.routeOptions builds a
  // fresh options object on every access, a measurable cost per request (bench/README.md).
  app.addHook('onRoute', (route) => {
    const pattern = route.url;
    const own: onResponseHookHandler = (request, reply, done) => {
      record(request.method, pattern, reply.statusCode, reply.elapsedTime);
      done();
    };
    route.onResponse = [...asArray(route.onResponse), own];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) record(request.method, 'unmatched', reply.statusCode, reply.elapsedTime);
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
