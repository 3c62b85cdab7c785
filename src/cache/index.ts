import type { Clock } from '../shared/clock.js';
import { createMemoryCache } from './memory.js';
import type { Cache } from './port.js';
import { createRedisCache } from './redis.js';

export type { Cache } from './port.js';

/** Redis when a URL is configured, else the in-process cache. */
export function openCache(opts: { redisUrl: string | null; prefix: string; clock: Clock }): Cache {
  return opts.redisUrl ? createRedisCache(opts.redisUrl, opts.prefix) : createMemoryCache(opts.clock, opts.prefix);
}
