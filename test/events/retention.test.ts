import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { EVENT_PRUNE_JOB } from '../../src/events/retention.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { failLogin, noLoginLimits, staffClient } from './helpers.js';

const DAY = 86400_000;

describe('event retention config', () => {
  it('keeps events 90 days and prunes hourly by default', () => {
    const c = loadConfig({}, { app_env: 'test' });
    expect(c.events.retention).toBe(90 * 86400);
    expect(c.events.prune_interval).toBe(3600);
    expect(loadConfig({ GATEHOUSE_EVENTS_RETENTION: '86400' }, { app_env: 'test' }).events.retention).toBe(86400);
  });
});

describe.each(backends)('event retention (%s)', (backend) => {
  let t: TestServer;
  const clock = new FakeClock(Date.now());

  beforeAll(async () => {
    t = await startTestServer({ backend, clock, config: { ...noLoginLimits, events: { retention: 7 * 86400 } } });
  });
  afterAll(() => t.close());

  it('deletes events older than the retention period and keeps the rest', async () => {
    await failLogin(t, 'old@example.com', '127.0.0.2');
    await t.server.container.events.flush();
    clock.advance(8 * DAY);
    await failLogin(t, 'new@example.com', '127.0.0.3');
    await t.server.container.events.flush();

    expect(await t.server.container.scheduler.runNow(EVENT_PRUNE_JOB)).toBe(true);
    const admin = (await staffClient(t)).client;
    const r = await admin.get('/api/v1/admin/events?type=login_failed');
    expect(r.body.items.map((e: { ip: string }) => e.ip)).toEqual(['127.0.0.3']);
    // Nothing else old is left either.
    const all = (await admin.get('/api/v1/admin/events?page_size=200')).body.items;
    expect(all.every((e: { time: string }) => Date.parse(e.time) >= clock.now() - 7 * DAY)).toBe(true);
  });
});
