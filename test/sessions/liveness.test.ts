import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/memory.js';
import { createSessionLiveness, revokedKey } from '../../src/sessions/liveness.js';
import { createSessionStore, type SessionStore } from '../../src/sessions/store.js';
import { FakeClock } from '../../src/shared/clock.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';

/**
 * The hot path's promise, checked by counting database reads: a live session is answered from the
 * in-process map or the cache port, and the database is asked only when both miss.
 */
describe('session liveness map', () => {
  let t: TestServer;
  let sid: string;
  let secret: string;
  beforeAll(async () => {
    t = await startTestServer();
    const u = await seedUser(t, { email: 'hot@example.com' });
    const c = t.client();
    await loginCookie(c, u.email, u.password);
    secret = c.jar.get('gatehouse_session')!;
    sid = (await c.get('/api/v1/auth/status')).body.session_id;
  });
  afterAll(() => t.close());

  /** Real time stands still: every check falls within one freshness window. */
  const frozen = () => 0;

  function counted(): { store: SessionStore; reads: () => number } {
    const real = createSessionStore(t.server.container.db.kysely);
    let n = 0;
    const store: SessionStore = {
      ...real,
      findById: (id) => (n++, real.findById(id)),
      findBySecretHash: (h) => (n++, real.findBySecretHash(h)),
    };
    return { store, reads: () => n };
  }

  it('reads the database once for many checks, and not at all when the cache port knows the session', async () => {
    const clock = new FakeClock(t.server.container.clock.now());
    const cache = createMemoryCache(clock);
    const one = counted();
    const first = createSessionLiveness({ store: one.store, cache, clock, monotonic: frozen });
    for (let i = 0; i < 1000; i++) expect((await first.bySid(sid))?.sid).toBe(sid);
    expect(one.reads()).toBe(1);

    // Another instance (own local map, same cache port): served from the shared snapshot.
    const two = counted();
    const second = createSessionLiveness({ store: two.store, cache, clock, monotonic: frozen });
    expect((await second.bySid(sid))?.userId).toBeTruthy();
    expect(two.reads()).toBe(0);

    // A revocation mark in the cache port wins over the shared snapshot, without a database read.
    await cache.set(revokedKey(sid), '1', 60);
    await second.forget(sid);
    expect(await second.bySid(sid)).toBeNull();
    expect(two.reads()).toBe(0);
    await cache.close();
  });

  it('a cookie is checked against the database at most once per freshness window', async () => {
    const clock = new FakeClock(t.server.container.clock.now());
    const cache = createMemoryCache(clock);
    const c = counted();
    const live = createSessionLiveness({ store: c.store, cache, clock, monotonic: frozen });
    for (let i = 0; i < 1000; i++) expect((await live.byCookie(secret))?.sid).toBe(sid);
    expect(c.reads()).toBe(1);
    expect(await live.byCookie('not-a-session-cookie')).toBeNull();
    // Expiry is checked on every hit, with the injected clock.
    clock.advance(31 * 86400_000);
    expect(await live.byCookie(secret)).toBeNull();
    expect(c.reads()).toBe(2); // the unknown cookie; the expired one was answered from the map
    await cache.close();
  });
});
