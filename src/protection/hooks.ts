import type { FastifyInstance, FastifyRequest, onErrorAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors/app-error.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { RequestScope } from './access-list.js';
import { canonicalIp } from './cidr.js';
import type { FailureFlow, Flow, ProtectionService } from './service.js';

/**
 * The client IP under the foundation's one rule: Fastify's `request.ip` (the socket address, or
 * X-Forwarded-For only through trusted_proxies), in canonical form. Should a trusted proxy pass
 * something that is not an address, the proxy's own address stands in, so the garbage cannot
 * become a fresh identity per request.
 */
export function clientIp(request: FastifyRequest): string {
  return canonicalIp(request.ip) ?? canonicalIp(request.socket.remoteAddress) ?? 'unknown';
}

const ADMIN = '/api/v1/admin';
const AUTH = '/api/v1/auth/';

/** The area a request falls in for network rules: the admin API, the auth endpoints, or the rest. */
export function requestScope(request: FastifyRequest): RequestScope {
  // The matched route pattern where there is one (a percent-encoded path cannot dodge the scope).
  const path = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  if (path === ADMIN || path.startsWith(`${ADMIN}/`)) return 'admin';
  if (path.startsWith(AUTH)) return 'login';
  return 'other';
}

const isHealth = (url: string) => url === '/health' || url.startsWith('/health/') || url.startsWith('/health?');

/**
 * Blacklist, network rules and the general per-IP limit on every request but /health, in
 * onRequest — before the body is read, so a blocked client costs no parsing.
 */
export const protectionPlugin = fp(
  async (app: FastifyInstance, opts: { protection: ProtectionService }) => {
    app.addHook('onRequest', async (request) => {
      if (isHealth(request.url)) return;
      const scope = requestScope(request);
      await opts.protection.admit({
        ip: clientIp(request),
        scope,
        attempt: scope === 'login' && request.method === 'POST',
        userAgent: request.headers['user-agent'] ?? null,
      });
    });
  },
  { name: 'gatehouse-protection' },
);

export interface ProtectOptions {
  /** The account the request names (email or user id), for the per IP+account limit. */
  account?: (request: FastifyRequest) => string | null | undefined;
}

/**
 * preHandler guarding a flow: answers 429 `rate_limited` with Retry-After once the caller's IP,
 * or IP and account, reached the flow's limit. Failure-counted flows (login, mfa_verify,
 * code_verify) must also report outcomes with `recordFailure` / `recordSuccess`.
 *
 *   preHandler: protect(protection, 'register', { account: bodyField('email') })
 */
export function protect(protection: ProtectionService, flow: Flow, opts: ProtectOptions = {}): preHandlerAsyncHookHandler {
  return async (request) => {
    await protection.checkAttempt(flow, {
      ip: clientIp(request),
      userAgent: request.headers['user-agent'] ?? null,
      account: opts.account?.(request),
    });
  };
}

/**
 * Route hooks for an endpoint that checks a secret (a mailed code or link): `protect` before it,
 * and, when it answers one of the `failures` codes, a failure recorded for the IP (and account).
 * Spread into the route options: `{ ...guardSecret(protection, 'code_verify', { failures: ['invalid_link'] }), schema }`.
 */
export function guardSecret(
  protection: ProtectionService,
  flow: FailureFlow,
  opts: ProtectOptions & { failures: ErrorCode[] },
): { preHandler: preHandlerAsyncHookHandler; onError: onErrorAsyncHookHandler } {
  return {
    preHandler: protect(protection, flow, opts),
    onError: async (request, _reply, error) => {
      if (!(error instanceof AppError) || !opts.failures.includes(error.code)) return;
      await protection.recordFailure(flow, {
        ip: clientIp(request),
        userAgent: request.headers['user-agent'] ?? null,
        account: opts.account?.(request),
      });
    },
  };
}

/** Reads a string field of the JSON body (after validation), for `protect`'s account option. */
export const bodyField =
  (name: string) =>
  (request: FastifyRequest): string | null => {
    const v = (request.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : null;
  };
