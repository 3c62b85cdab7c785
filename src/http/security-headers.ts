import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer (errors included): a CSP for our own console pages — scripts,
 * styles and frames only from ourselves, never framed (clickjacking) — plus nosniff, no referrer,
 * X-Frame-Options for old browsers, and HSTS only when the public URL is https (sending it over
 * plain http would be ignored at best). The Swagger UI at /api/docs loads its scripts and styles
 * as files from this origin and its images as data: URLs, so it renders under the same policy.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, opts: { publicUrl: string }) => {
    const https = new URL(opts.publicUrl).protocol === 'https:';
    await app.register(helmet, {
      contentSecurityPolicy: {
        // Only what is listed: helmet's defaults would add upgrade-insecure-requests, which breaks
        // an http deployment (development, a TLS-terminating proxy on localhost).
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'connect-src': ["'self'"],
          'frame-ancestors': ["'none'"],
          'object-src': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          ...(https ? { 'upgrade-insecure-requests': [] } : {}),
        },
      },
      strictTransportSecurity: https ? { maxAge: 365 * 86400, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
      xContentTypeOptions: true,
    });
  },
  { name: 'gatehouse-security-headers' },
);
