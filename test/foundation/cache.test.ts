import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { openCache, type Cache } from '../../src/cache/index.js';
import { FakeClock } from '../../src/shared/clock.js';
import { freshRedisPrefix, REDIS_BASE, redisAvailable } from '../harness/backends.js';

type Kind = 'memory' | 'redis';
const kinds: Kind[] = redisAvailable ? ['memory', 'redis'] : ['memory'];

const prefix = freshRedisPrefix();
const opened: Cache[] = [];
const raw = redisAvailable ? new Redis(REDIS_BASE) : undefined;

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  if (raw) {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
  }
});

function open(kind: Kind, clock = new FakeClock()): Cache {
  const c = openCache({ redisUrl: kind === 'redis' ? REDIS_BASE : null, prefix, clock });
  opened.push(c);
  return c;
}

let n = 0;
const key = (name: string) => `${name}:${n++}`;

/** Resolves once `cond` holds; the deadline only guards against hanging forever. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(kinds)('cache port on %s', (kind) => {
  it('gets what it set, null for a missing key, and deletes', async () => {
    const c = open(kind);
    const k = key('plain');
    expect(await c.get(k)).toBeNull();
    await c.set(k, 'value-1');
    expect(await c.get(k)).toBe('value-1');
    await c.set(k, 'value-2');
    expect(await c.get(k)).toBe('value-2');
    await c.delete(k);
    expect(await c.get(k)).toBeNull();
    await c.delete(k); // deleting a missing key is fine
  });

  it('expires a value after its TTL and keeps one without TTL', async () => {
    const clock = new FakeClock();
    const c = open(kind, clock);
    const k = key('ttl');
    const keep = key('keep');
    await c.set(keep, 'forever');
    if (kind === 'memory') {
      await c.set(k, 'short', 10);
      clock.advance(9_999);
      expect(await c.get(k)).toBe('short');
      clock.advance(2);
      expect(await c.get(k)).toBeNull();
      clock.advance(365 * 86400_000);
    } else {
      // Redis keeps its own time: a 1 s TTL, checked on the server, then waited out.
      await c.set(k, 'short', 1);
      const pttl = await raw!.pttl(prefix + k);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);
      await until(async () => (await c.get(k)) === null, 'the key to expire');
    }
    expect(await c.get(keep)).toBe('forever');
  });

  it('increments atomically: 50 concurrent calls end at 50, each seeing a distinct value', async () => {
    const c = open(kind);
    const k = key('counter');
    const seen = await Promise.all(Array.from({ length: 50 }, () => c.incr(k, 60)));
    expect(await c.get(k)).toBe('50');
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await c.incr(k, 60, 5)).toBe(55);
  });

  it('starts the TTL of a counter when it is created and never extends it', async () => {
    const clock = new FakeClock();
    const c = open(kind, clock);
    const k = key('window');
    expect(await c.incr(k, 10)).toBe(1);
    if (kind === 'memory') {
      clock.advance(6_000);
      expect(await c.incr(k, 10)).toBe(2);
      clock.advance(4_001); // 10 s after creation, although the last increment was 4 s ago
      expect(await c.get(k)).toBeNull();
      expect(await c.incr(k, 10)).toBe(1);
    } else {
      // Stretch the key's life on the server; a later increment must not cut it back to 10 s.
      await raw!.expire(prefix + k, 1000);
      expect(await c.incr(k, 10)).toBe(2);
      expect(await raw!.ttl(prefix + k)).toBeGreaterThan(100);
    }
  });

  it('delivers published messages to subscribers until they unsubscribe', async () => {
    const c = open(kind);
    const channel = key('chan');
    const one: string[] = [];
    const two: string[] = [];
    const other: string[] = [];
    const stopOne = await c.subscribe(channel, (m) => one.push(m));
    const stopTwo = await c.subscribe(channel, (m) => two.push(m));
    const stopOther = await c.subscribe(key('other-chan'), (m) => other.push(m));
    await c.publish(channel, 'hello');
    await until(() => one.length === 1 && two.length === 1, 'delivery of "hello"');
    expect(one).toEqual(['hello']);

    await stopOne();
    await c.publish(channel, 'after');
    // `two` is still listening: once it has "after", `one` would have had it too if still subscribed.
    await until(() => two.length === 2, 'delivery of "after"');
    expect(two).toEqual(['hello', 'after']);
    expect(one).toEqual(['hello']);
    expect(other).toEqual([]);

    await stopTwo();
    await stopOther();
    if (kind === 'redis') {
      // With no handler left the adapter leaves the channel on the server too.
      const [, count] = (await raw!.pubsub('NUMSUB', prefix + channel)) as [string, number];
      expect(Number(count)).toBe(0);
    }
  });

  it('subscribing twice at once to a new channel still delivers to both', async () => {
    const c = open(kind);
    const channel = key('race');
    const a: string[] = [];
    const b: string[] = [];
    await Promise.all([c.subscribe(channel, (m) => a.push(m)), c.subscribe(channel, (m) => b.push(m))]);
    await c.publish(channel, 'x');
    await until(() => a.length === 1 && b.length === 1, 'delivery to both');
  });

  it('answers ping', async () => {
    await expect(open(kind).ping()).resolves.toBeUndefined();
  });
});

describe.runIf(redisAvailable)('Redis adapter: prefix and sharing', () => {
  it('puts every key and channel under the configured prefix', async () => {
    const c = open('redis');
    const k = key('prefixed');
    await c.set(k, 'v');
    await c.incr(`${k}:n`, 30);
    expect(await raw!.get(prefix + k)).toBe('v');
    expect(await raw!.get(`${prefix + k}:n`)).toBe('1');
    expect(await raw!.get(k)).toBeNull();
    expect(await raw!.exists(`${k}:n`)).toBe(0);
    const all = await raw!.keys(`*${k}*`);
    expect(all.length).toBeGreaterThan(0);
    for (const name of all) expect(name.startsWith(prefix)).toBe(true);

    // Channels too: a raw subscriber on the prefixed name hears the adapter's publish.
    const listener = new Redis(REDIS_BASE);
    const heard: Array<[string, string]> = [];
    listener.on('message', (ch: string, m: string) => heard.push([ch, m]));
    await listener.subscribe(`${prefix}${k}:events`);
    await c.publish(`${k}:events`, 'ping');
    await until(() => heard.length === 1, 'the raw subscriber to hear the message');
    expect(heard).toEqual([[`${prefix}${k}:events`, 'ping']]);
    listener.disconnect();
  });

  it('two instances on one prefix share values, counters and messages (scale-out)', async () => {
    const a = open('redis');
    const b = open('redis');
    const k = key('shared');
    await a.set(k, 'from-a');
    expect(await b.get(k)).toBe('from-a');
    await Promise.all([a.incr(`${k}:n`), b.incr(`${k}:n`)]);
    expect(await a.get(`${k}:n`)).toBe('2');
    const got: string[] = [];
    await b.subscribe(`${k}:bus`, (m) => got.push(m));
    await a.publish(`${k}:bus`, 'revoked:s1');
    await until(() => got.length === 1, 'cross-instance delivery');
    expect(got).toEqual(['revoked:s1']);
  });

  it('a different prefix sees nothing of another one', async () => {
    const mine = open('redis');
    const theirs = openCache({ redisUrl: REDIS_BASE, prefix: freshRedisPrefix(), clock: new FakeClock() });
    opened.push(theirs);
    const k = key('isolated');
    await mine.set(k, 'mine');
    expect(await theirs.get(k)).toBeNull();
  });
});
