import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';

describe('HTTP rules', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { body_limit: 2048 } });
  });
  afterAll(() => t.close());

  it('answers an unknown route with problem+json 404 and a trace id', async () => {
    const r = await t.client().get('/no/such/route');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 404, code: 'not_found', trace_id: r.headers['x-request-id'] });
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const r = await t.client().delete('/health/live');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toContain('GET');
    expect(r.body.code).toBe('method_not_allowed');
  });
});
