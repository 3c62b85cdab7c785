import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
];

describe('security headers (http public URL)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('sends CSP, nosniff, Referrer-Policy and X-Frame-Options on answers and errors, and no HSTS over http', async () => {
    const c = t.client();
    for (const r of [await c.get('/health/live'), await c.get('/no/such/route'), await c.post('/api/v1/auth/login', { email: 'x@example.com', password: 'y' })]) {
      const csp = String(r.headers['content-security-policy']);
      for (const d of CSP) expect(csp, d).toContain(d);
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('serves the Swagger UI under the same policy: every script and style is a same-origin file', async () => {
    const c = t.client();
    const page = await c.get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    // No inline script or style, which the policy would block.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(page.text).not.toMatch(/<style|\sstyle=/i);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((a) => a.endsWith('.js')).length).toBeGreaterThanOrEqual(3);
    for (const a of assets) {
      const url = new URL(a, `${t.url}/api/docs`);
      expect(url.origin).toBe(t.url);
      const r = await c.get(url.pathname);
      expect(r.status, a).toBe(200);
    }
    const spec = await c.get('/api/docs/json');
    expect(spec.status).toBe(200);
  });
});

describe('security headers (https public URL)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { public_url: 'https://id.example.test' } });
  });
  afterAll(() => t.close());

  it('adds HSTS and upgrade-insecure-requests', async () => {
    const r = await t.client().get('/health/live');
    expect(r.headers['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/);
    expect(String(r.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
  });
});
