import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer (errors included): a CSP for our own console pages — scripts,
 * styles and frames only from ourselves, never framed (clickjacking) — plus nosniff, no referrer,
 * X-Frame-Options for old browsers, and HSTS only when the public URL is https (sending it over
 * plain http would be ignored at best). The Swagger UI at /api/docs loads its scripts and styles
 * as files from this origin and its images as data: URLs, so it renders under the same policy.
 *
 * The set is what helmet sends with this configuration, computed once: helmet rebuilds its
 * middleware (and re-parses the CSP directives) on every request, a measurable share of a
 * bearer-authenticated request (bench/README.md).
 */
export function securityHeaders(publicUrl: string): Record<string, string> {
  const https = new URL(publicUrl).protocol === 'https:';
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    // Only over https: on an http deployment (development, a TLS-terminating proxy on localhost) it breaks the pages.
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join(';');
  return {
    'content-security-policy': csp,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    ...(https ? { 'strict-transport-security': `max-age=${365 * 86400}; includeSubDomains` } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, opts: { publicUrl: string }) => {
    const headers = securityHeaders(opts.publicUrl);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'gatehouse-security-headers' },
);
