import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { SseStream, type SseFrame } from '../harness/sse.js';
import { failLogin, noLoginLimits, staffClient } from './helpers.js';

const STREAM = '/api/v1/admin/events/stream';
const fromIp = (ip: string) => (f: SseFrame) => f.json?.ip === ip;

/**
 * Fault injection: rows written straight into the events table stand for events another instance
 * stored but whose pub/sub announcement was lost. The stream must still deliver them, in order.
 */
async function insertUnannounced(t: TestServer, ip: string): Promise<number> {
  const [id] = await t.server.container.eventStore.insertMany([
    { type: 'admin_action', level: 'notice', time: Date.now(), actor_id: null, ip, user_agent: null, target_id: null, data: '{"action":"elsewhere"}' },
  ]);
  return id!;
}

describe.each(backends)('event feed without announcements (%s)', (backend) => {
  describe('gap filling', () => {
    let t: TestServer;
    let admin: Client;
    beforeAll(async () => {
      t = await startTestServer({ backend, config: { ...noLoginLimits, events: { stream_poll: 0 } } });
      admin = (await staffClient(t)).client;
    });
    afterAll(() => t.close());

    it('reads a missed event from the database when a later id reveals the hole', async () => {
      const s = await SseStream.open(admin, STREAM);
      const lost = await insertUnannounced(t, '10.9.9.1');
      await failLogin(t, 'later@example.com', '127.0.0.2');
      const [later] = await s.waitFor(fromIp('127.0.0.2'));
      const [missed] = await s.waitFor(fromIp('10.9.9.1'));
      expect(Number(missed!.id)).toBe(lost);
      expect(s.frames.indexOf(missed!)).toBeLessThan(s.frames.indexOf(later!));
      expect(missed!.json).toMatchObject({ type: 'admin_action', data: { action: 'elsewhere' } });
      s.close();
    });

    it('moves past a hole that never fills (an id used by a write that did not last)', async () => {
      const s = await SseStream.open(admin, STREAM);
      const gone = await insertUnannounced(t, '10.9.9.3');
      await t.server.container.db.kysely.deleteFrom('events').where('id', '=', gone).execute();
      await failLogin(t, 'after-hole@example.com', '127.0.0.3');
      const [f] = await s.waitFor(fromIp('127.0.0.3'));
      expect(Number(f!.id)).toBeGreaterThan(gone);
      expect(s.frames.some(fromIp('10.9.9.3'))).toBe(false);
      s.close();
    });
  });

  describe('polling', () => {
    let t: TestServer;
    let admin: Client;
    beforeAll(async () => {
      t = await startTestServer({ backend, config: { ...noLoginLimits, events: { stream_poll: 1 } } });
      admin = (await staffClient(t)).client;
    });
    afterAll(() => t.close());

    it('picks up an unannounced event with no later event to reveal it', async () => {
      const s = await SseStream.open(admin, STREAM);
      const lost = await insertUnannounced(t, '10.9.9.2');
      const [f] = await s.waitFor(fromIp('10.9.9.2'));
      expect(Number(f!.id)).toBe(lost);
      s.close();
    });
  });
});
