import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Cache } from '../cache/index.js';

/** A count inside a fixed window: how many so far, and how long until the window ends. */
export interface Tally {
  count: number;
  msLeft: number;
}

/** Windowed counters keyed by string (IP, IP+account). */
export interface Counter {
  /** Adds `n` (default 1) and returns the new tally; the window starts with the first hit. */
  hit(key: string, n?: number): Promise<Tally>;
  /** The tally without adding; null when nothing was counted in the current window. */
  peek(key: string): Promise<Tally | null>;
  reset(key: string): Promise<void>;
}

/**
 * Makes counters on rate-limiter-flexible: in-process alone, in Redis (under the configured key
 * prefix, which the ioredis client applies) when the cache is Redis, so every instance counts
 * together. If Redis is unreachable a counter falls back to an in-process one instead of failing
 * the request: limits then hold per instance until Redis is back.
 */
export function createCounters(cache: Cache) {
  return (name: string, windowSeconds: number): Counter => {
    // Points only matter to consume(), which we never call: hit() uses penalty() and the caller compares.
    const opts = { keyPrefix: `rl:${name}`, points: 1, duration: windowSeconds };
    const limiter: RateLimiterAbstract = cache.redis
      ? new RateLimiterRedis({
          ...opts,
          storeClient: cache.redis,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(opts),
        })
      : new RateLimiterMemory(opts);
    const tally = (r: { consumedPoints: number; msBeforeNext: number }): Tally => ({
      count: r.consumedPoints,
      msLeft: Math.max(0, r.msBeforeNext),
    });
    return {
      hit: async (key, n = 1) => tally(await limiter.penalty(key, n)),
      peek: async (key) => {
        const r = await limiter.get(key);
        return r ? tally(r) : null;
      },
      reset: async (key) => {
        await limiter.delete(key);
      },
    };
  };
}
export type CounterFactory = ReturnType<typeof createCounters>;

/** Seconds to announce in Retry-After: whole seconds, at least 1. */
export const retrySeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
