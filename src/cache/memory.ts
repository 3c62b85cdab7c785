import { EventEmitter } from 'node:events';
import type { Clock } from '../shared/clock.js';
import type { Cache, MessageHandler } from './port.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process cache for a single instance. Expired entries are dropped on read and by a sweep. */
export function createMemoryCache(clock: Clock, prefix = ''): Cache {
  const entries = new Map<string, Entry>();
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const sweep = setInterval(() => {
    const now = clock.now();
    for (const [k, e] of entries) if (e.expiresAt <= now) entries.delete(k);
  }, 30_000);
  sweep.unref();

  const live = (key: string): Entry | undefined => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const expiry = (ttl?: number) => (ttl && ttl > 0 ? clock.now() + ttl * 1000 : Number.POSITIVE_INFINITY);

  return {
    kind: 'memory',
    prefix,
    get: async (key) => live(key)?.value ?? null,
    set: async (key, value, ttl) => {
      entries.set(key, { value, expiresAt: expiry(ttl) });
    },
    delete: async (key) => {
      entries.delete(key);
    },
    incr: async (key, ttl, by = 1) => {
      const e = live(key);
      const next = (e ? Number(e.value) : 0) + by;
      entries.set(key, { value: String(next), expiresAt: e ? e.expiresAt : expiry(ttl) });
      return next;
    },
    publish: async (channel, message) => {
      // Delivered asynchronously, like a real broker, so publishers never run subscribers inline.
      queueMicrotask(() => bus.emit(channel, message));
    },
    subscribe: async (channel, handler: MessageHandler) => {
      bus.on(channel, handler);
      return async () => {
        bus.off(channel, handler);
      };
    },
    ping: async () => {},
    close: async () => {
      clearInterval(sweep);
      entries.clear();
      bus.removeAllListeners();
    },
  };
}
