import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { App } from '../../src/app.js';
import type { Reply } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';

const INTERNAL = 'connect to db at 10.1.2.3 failed: password authentication failed';

/** Routes this file adds to the app it builds: they exercise the shared rules, they are not API. */
function testRoutes(app: App): void {
  app.post(
    '/test/echo',
    {
      schema: {
        body: Type.Object({ name: Type.String({ minLength: 1 }), age: Type.Integer({ minimum: 0 }) }),
        response: { 200: Type.Object({ name: Type.String(), age: Type.Integer() }) },
      },
    },
    async (request) => request.body,
  );
  app.get('/test/boom', { schema: { response: { 200: Type.Object({}) } } }, async () => {
    throw new Error(INTERNAL);
  });
  app.get('/test/leak', { schema: { response: { 200: Type.Object({ id: Type.String() }) } } }, async () => ({
    id: 'u1',
    password_hash: '$argon2id$v=19$secret',
  }));
  app.get('/test/ip', { schema: { response: { 200: Type.Object({ ip: Type.String() }) } } }, async (request) => ({ ip: request.ip }));
}

const replies: Reply[] = [];
/** Keeps every reply so the last test can check that none leaks internals. */
const seen = async (p: Promise<Reply>) => {
  const r = await p;
  replies.push(r);
  return r;
};

function expectProblem(r: Reply, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code, type: `urn:gatehouse:problem:${code}` });
  expect(typeof r.body.title).toBe('string');
  expect(typeof r.body.detail).toBe('string');
  expect(r.body.trace_id).toBe(r.headers['x-request-id']);
}

describe('HTTP rules', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { body_limit: 2048 }, extend: testRoutes });
  });
  afterAll(() => t?.close());

  it('accepts a valid body and answers JSON with x-request-id', async () => {
    const r = await seen(t.client().post('/test/echo', { name: 'Ada', age: 36 }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: 'Ada', age: 36 });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('malformed JSON → 400 malformed_json', async () => {
    const r = await seen(t.client().request('POST', '/test/echo', { raw: '{"name": "Ada", ', headers: { 'content-type': 'application/json' } }));
    expectProblem(r, 400, 'malformed_json');
  });

  it('an empty JSON body → 400 malformed_json', async () => {
    const r = await seen(t.client().request('POST', '/test/echo', { raw: '', headers: { 'content-type': 'application/json' } }));
    expectProblem(r, 400, 'malformed_json');
  });

  it('a prototype-poisoning body is refused as malformed', async () => {
    const raw = '{"name":"x","age":1,"__proto__":{"admin":true}}';
    const r = await seen(t.client().request('POST', '/test/echo', { raw, headers: { 'content-type': 'application/json' } }));
    expectProblem(r, 400, 'malformed_json');
  });

  it('wrong types → 400 validation_failed naming each field', async () => {
    const r = await seen(t.client().post('/test/echo', { name: 42, age: 'old' }));
    expectProblem(r, 400, 'validation_failed');
    const fields = (r.body.errors as Array<{ field: string; code: string; message: string }>).map((e) => e.field);
    expect(fields).toContain('body.age');
    for (const e of r.body.errors) expect(typeof e.message).toBe('string');
  });

  it('a missing field → 400 validation_failed with the field', async () => {
    const r = await seen(t.client().post('/test/echo', { age: 3 }));
    expectProblem(r, 400, 'validation_failed');
    expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.name' })]));
  });

  it('unknown route → 404 not_found', async () => {
    expectProblem(await seen(t.client().get('/no/such/route')), 404, 'not_found');
    expectProblem(await seen(t.client().post('/api/v1/no-such-thing', {})), 404, 'not_found');
  });

  it('a known path with another method → 405 with Allow', async () => {
    const r = await seen(t.client().delete('/health/live'));
    expectProblem(r, 405, 'method_not_allowed');
    expect(r.headers.allow).toContain('GET');
    const post = await seen(t.client().request('PUT', '/test/echo', { body: { name: 'a', age: 1 } }));
    expectProblem(post, 405, 'method_not_allowed');
    expect(post.headers.allow).toBe('POST');
  });

  it('a body over the limit → 413 payload_too_large', async () => {
    const r = await seen(t.client().post('/test/echo', { name: 'x'.repeat(4096), age: 1 }));
    expectProblem(r, 413, 'payload_too_large');
  });

  it('an unsupported content type → 415 unsupported_media_type', async () => {
    const r = await seen(t.client().request('POST', '/test/echo', { raw: '<name>Ada</name>', headers: { 'content-type': 'application/xml' } }));
    expectProblem(r, 415, 'unsupported_media_type');
  });

  it('an unexpected error → 500 problem with the trace id, logged in full', async () => {
    const r = await seen(t.client().get('/test/boom', { headers: { 'x-request-id': 'boom-trace-1' } }));
    expectProblem(r, 500, 'internal_error');
    expect(r.body.trace_id).toBe('boom-trace-1');
    expect(r.body.detail).toBe('Internal server error');
    const logged = t.logs.find((l) => l.trace_id === 'boom-trace-1' && l.level === 'error');
    expect(logged).toBeDefined();
    const err = logged!.err as { message: string; stack: string; type: string };
    expect(err.message).toBe(INTERNAL);
    expect(err.stack).toContain('http-rules.test.ts');
  });

  it('the response schema keeps undeclared fields (hashes, secrets) out of replies', async () => {
    const r = await seen(t.client().get('/test/leak'));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: 'u1' });
  });

  it('no reply ever carries a stack trace or an internal message', () => {
    expect(replies.length).toBeGreaterThan(10);
    for (const r of replies) {
      expect(r.text).not.toContain(INTERNAL);
      expect(r.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
      expect(r.text).not.toMatch(/node_modules|FST_ERR|SyntaxError|stack/i);
      expect(r.headers['x-request-id']).toBeTruthy();
    }
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await t.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    const page = await t.client().get('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('every documented route declares its response schema', async () => {
    const doc = await t.client().get('/api/openapi.json');
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.body.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        // @fastify/swagger invents exactly this answer for a route that declares none.
        const responses = JSON.stringify(op.responses ?? {});
        if (responses === '{"200":{"description":"Default Response"}}') missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

// Each case starts its own server: generous time on a loaded machine.
describe('client IP', { timeout: 120_000 }, () => {
  it('is the socket address by default: X-Forwarded-For is ignored', async () => {
    const t = await startTestServer({ extend: testRoutes });
    try {
      const r = await t.client('127.0.0.2').get('/test/ip', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(r.body).toEqual({ ip: '127.0.0.2' });
    } finally {
      await t.close();
    }
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const t = await startTestServer({ config: { trusted_proxies: ['127.0.0.1'] }, extend: testRoutes });
    try {
      const viaProxy = await t.client('127.0.0.1').get('/test/ip', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(viaProxy.body).toEqual({ ip: '203.0.113.9' });
      const spoofed = await t.client('127.0.0.3').get('/test/ip', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(spoofed.body).toEqual({ ip: '127.0.0.3' });
    } finally {
      await t.close();
    }
  });
});
