import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { App } from '../../src/app.js';
import type { Container } from '../../src/container.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SECRETS = {
  password: 'pw-Correct-Horse-1',
  new_password: 'pw-Battery-Staple-2',
  access_token: 'eyJhbGciOiJFZERTQSJ9.at-value',
  refresh_token: 'rt-value-0123456789',
  client_secret: 'cs-value-abcdef',
  code: '493817',
  recovery_codes: ['rc-one-1111', 'rc-two-2222'],
  authorization: 'Bearer bearer-value-xyz',
  cookie: 'gatehouse_session=cookie-value-123',
  set_cookie: 'gatehouse_session=set-cookie-value-456; HttpOnly',
  deep_secret: 'deep-secret-value-789',
};

/** Routes this file adds to its own app: one that logs the way services do, one that logs secrets. */
function testRoutes(app: App, c: Container): void {
  app.post(
    '/test/work',
    { schema: { body: Type.Object({ n: Type.Integer() }), response: { 200: Type.Object({ n: Type.Integer() }) } } },
    async (request) => {
      request.log.info('route line');
      await new Promise((r) => setTimeout(r, 5));
      // A service logs through the container's logger, not the request's: the trace id still comes along.
      c.logger.info('service line after await');
      return { n: request.body.n };
    },
  );
  app.post('/test/log-secrets', { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async (request) => {
    request.log.info(
      {
        headers: request.headers,
        body: request.body,
        reply_headers: { 'set-cookie': [SECRETS.set_cookie] },
        nested: { level1: { level2: { level3: { secret: SECRETS.deep_secret } } } },
        email: 'visible@example.com',
      },
      'logging a request with secrets',
    );
    return { ok: true };
  });
}

/** A minimal Prometheus text-format parser: throws on any line that is not a comment or a sample. */
function parsePrometheus(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
  const types = new Map<string, string>();
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!m) throw new Error(`bad comment line: ${line}`);
      if (m[1] === 'TYPE') types.set(m[2]!, m[3]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let consumed = 0;
      for (let l = LABEL.exec(m[2]); l; l = LABEL.exec(m[2])) {
        labels[l[1]!] = l[2]!;
        consumed = LABEL.lastIndex;
      }
      if (consumed !== m[2].length) throw new Error(`bad labels: ${line}`);
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    // Prometheus reads NaN in any case; prom-client's event-loop lag prints "Nan" before it has a sample.
    if (Number.isNaN(value) && m[3]!.toLowerCase() !== 'nan') throw new Error(`bad value: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(m[1]!) && !types.has(family)) throw new Error(`sample without a TYPE: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

describe('trace id and logs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { log: { level: 'info' } }, extend: testRoutes });
  });
  afterAll(() => t?.close());

  it('takes the trace id from traceparent and returns it in x-request-id', async () => {
    const r = await t.client().get('/health/live', { headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } });
    expect(r.headers['x-request-id']).toBe(TRACE);
  });

  it('echoes a well-formed x-request-id', async () => {
    const r = await t.client().get('/health/live', { headers: { 'x-request-id': 'req-42.abc_DEF' } });
    expect(r.headers['x-request-id']).toBe('req-42.abc_DEF');
  });

  it.each([
    ['with spaces', 'not a valid id'],
    ['too long', 'x'.repeat(129)],
    ['with quotes', 'id"},{"level":"fatal'],
  ])('replaces an x-request-id %s with a fresh one', async (_what, bad) => {
    const r = await t.client().get('/health/live', { headers: { 'x-request-id': bad } });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('ignores an all-zero or malformed traceparent', async () => {
    const zero = await t.client().get('/health/live', { headers: { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` } });
    expect(zero.headers['x-request-id']).not.toBe('0'.repeat(32));
    const bad = await t.client().get('/health/live', { headers: { traceparent: 'garbage', 'x-request-id': 'fallback-1' } });
    expect(bad.headers['x-request-id']).toBe('fallback-1');
  });

  it('a fresh id for a request that brings none, different each time', async () => {
    const a = await t.client().get('/health/live');
    const b = await t.client().get('/health/live');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('puts the trace id on every log line written while handling the request', async () => {
    const before = t.logs.length;
    const r = await t.client().post('/test/work', { n: 7 }, { headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } });
    expect(r.status).toBe(200);
    const lines = t.logs.slice(before);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['incoming request', 'route line', 'service line after await', 'request completed']));
    for (const l of lines) expect(l.trace_id).toBe(TRACE);
    // Exactly one trace_id key per line (no duplicate from the request binding and the context).
    const raw = readFileSync(join(t.config.data_dir, 'logs', 'app.log'), 'utf8').split('\n').filter((l) => l.includes(TRACE));
    for (const l of raw) expect(l.match(/"trace_id"/g)).toHaveLength(1);
  });

  it('also when the body arrives in pieces, after the request was routed', async () => {
    const before = t.logs.length;
    const id = 'slow-body-trace-1';
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${t.url}/test/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '8', 'x-request-id': id, origin: t.url },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.flushHeaders();
      req.write('{"n":');
      // The rest comes later, in its own packet, once the server has started handling the request.
      const waitForRouting = setInterval(() => {
        if (t.logs.slice(before).some((l) => l.msg === 'incoming request' && l.trace_id === id)) {
          clearInterval(waitForRouting);
          req.end('12}');
        }
      }, 10);
    });
    expect(status).toBe(200);
    const lines = t.logs.slice(before);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['route line', 'service line after await']));
    for (const l of lines) expect(l.trace_id).toBe(id);
  });

  it('lines outside any request carry no trace id', () => {
    const listening = t.logs.find((l) => l.msg === 'listening');
    expect(listening).toBeDefined();
    expect(listening!.trace_id).toBeUndefined();
  });

  it('redacts Authorization, Cookie, Set-Cookie and password/token/secret/code fields, at any depth', async () => {
    const before = t.logs.length;
    const { authorization, cookie, set_cookie: _sc, deep_secret: _ds, ...body } = SECRETS;
    const r = await t.client().post('/test/log-secrets', body, { headers: { authorization, cookie } });
    expect(r.status).toBe(200);
    const line = t.logs.slice(before).find((l) => l.msg === 'logging a request with secrets');
    expect(line).toBeDefined();
    const text = JSON.stringify(line);
    for (const v of Object.values(SECRETS).flat()) expect(text).not.toContain(v.split(';')[0]!.split('=').pop()!);
    expect(line).toMatchObject({
      email: 'visible@example.com',
      headers: { authorization: '[redacted]', cookie: '[redacted]', 'content-type': 'application/json' },
      body: { password: '[redacted]', new_password: '[redacted]', access_token: '[redacted]', code: '[redacted]', recovery_codes: '[redacted]' },
      reply_headers: { 'set-cookie': '[redacted]' },
      nested: { level1: { level2: { level3: { secret: '[redacted]' } } } },
    });
    // The same holds in the app log file on disk.
    const file = readFileSync(join(t.config.data_dir, 'logs', 'app.log'), 'utf8');
    expect(file).toContain('logging a request with secrets');
    for (const v of Object.values(SECRETS).flat()) expect(file).not.toContain(v.split(';')[0]!.split('=').pop()!);
  });
});

// Each case starts its own server: generous time on a loaded machine.
describe('health', { timeout: 120_000 }, () => {
  it('/health/live answers ok', async () => {
    const t = await startTestServer();
    try {
      const r = await t.client().get('/health/live');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: 'ok' });
    } finally {
      await t.close();
    }
  });

  describe.each(backends)('/health/ready on %s', (backend) => {
    it('200 with every check ok, then 503 naming the database when it is gone', async () => {
      const t = await startTestServer({ backend, config: { log: { level: 'warn' } } });
      try {
        const ok = await t.client().get('/health/ready');
        expect(ok.status).toBe(200);
        expect(ok.body).toEqual({ status: 'ok', checks: { database: 'ok', cache: 'ok' } });

        // The database goes away under the running server.
        await t.server.container.db.close();
        const down = await t.client().get('/health/ready');
        expect(down.status).toBe(503);
        expect(down.body).toEqual({ status: 'fail', checks: { database: 'fail', cache: 'ok' } });
        expect(down.headers['x-request-id']).toBeTruthy();
        // The reason is for the operator: in the log, not in the reply.
        const warned = t.logs.find((l) => l.msg === 'readiness check failed');
        expect(warned).toMatchObject({ check: 'database', trace_id: down.headers['x-request-id'] });
        expect(typeof warned!.reason).toBe('string');
      } finally {
        await t.close();
      }
    });
  });
});

describe('metrics', { timeout: 120_000 }, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { metrics: 'open' } });
  });
  afterAll(() => t?.close());

  it('serves Prometheus text with request counts by method, route and status, and the duration histogram', async () => {
    await t.client().get('/health/live');
    await t.client().get('/health/live');
    await t.client().get('/no/such/page/123');
    await t.client().get('/api/v1/me'); // 401: a refusal is counted under its route's pattern
    const r = await t.client().get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(r.text);
    const live = samples.find((s) => s.name === 'http_requests_total' && s.labels.route === '/health/live');
    expect(live).toMatchObject({ labels: { method: 'GET', route: '/health/live', status: '200' } });
    expect(live!.value).toBeGreaterThanOrEqual(2);
    // Unknown URLs share one label value, so a scanner cannot blow up the series count.
    expect(samples.some((s) => s.name === 'http_requests_total' && s.labels.status === '404' && s.labels.route === 'unmatched')).toBe(true);
    expect(samples.some((s) => s.labels.route?.includes('/no/such'))).toBe(false);
    expect(samples.find((s) => s.name === 'http_requests_total' && s.labels.route === '/api/v1/me')).toMatchObject({ labels: { method: 'GET', status: '401' }, value: 1 });
    const buckets = samples.filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === '/health/live');
    expect(buckets.length).toBeGreaterThan(3);
    expect(buckets.find((b) => b.labels.le === '+Inf')!.value).toBeGreaterThanOrEqual(2);
    // Cumulative buckets in the order of their bounds, the last one the route's count.
    const values = buckets.map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const count = samples.find((s) => s.name === 'http_request_duration_seconds_count' && s.labels.route === '/health/live');
    expect(count!.value).toBe(buckets.at(-1)!.value);
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    const sum = samples.find((s) => s.name === 'http_request_duration_seconds_sum' && s.labels.route === '/health/live');
    expect(sum!.value).toBeGreaterThan(0);
    // Each answer counted once: the two 404s of another unknown URL join the first one's series.
    await t.client().get('/no/such/page/456');
    await t.client().get('/no/such/page/789');
    const again = parsePrometheus((await t.client().get('/metrics')).text);
    const unmatched = (list: typeof samples) => list.find((s) => s.name === 'http_requests_total' && s.labels.route === 'unmatched' && s.labels.status === '404')!.value;
    expect(unmatched(again)).toBe(unmatched(samples) + 2);
    // Default process metrics.
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('metrics=off: /metrics does not exist', async () => {
    const off = await startTestServer({ config: { metrics: 'off' } });
    try {
      const r = await off.client().get('/metrics');
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    } finally {
      await off.close();
    }
  });

  it('metrics=token: 401 without or with a wrong bearer token, 200 with it', async () => {
    const tok = await startTestServer({ config: { metrics: 'token', metrics_token: 'scrape-token-123' } });
    try {
      const none = await tok.client().get('/metrics');
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('unauthorized');
      const wrong = await tok.client().get('/metrics', { headers: { authorization: 'Bearer scrape-token-12' } });
      expect(wrong.status).toBe(401);
      const right = await tok.client().get('/metrics', { headers: { authorization: 'Bearer scrape-token-123' } });
      expect(right.status).toBe(200);
      expect(parsePrometheus(right.text).length).toBeGreaterThan(0);
    } finally {
      await tok.close();
    }
  });
});
