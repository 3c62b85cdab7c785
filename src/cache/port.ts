import type { Redis } from 'ioredis';

export type MessageHandler = (message: string) => void;

/**
 * The cache port: small on purpose. Revocation state, counters, rate limits and event fan-out sit
 * on it. Keys and channels are given without prefix; adapters add the configured one.
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  /** Stores a value; ttlSeconds > 0 makes it expire. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically adds `by` (default 1) and returns the new value; the TTL is set when the key is created. */
  incr(key: string, ttlSeconds?: number, by?: number): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  /** Listens on a channel; the returned function stops listening. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The Redis client for libraries that need one (rate-limiter-flexible); undefined in memory. */
  readonly redis?: Redis;
  /** The key prefix the adapter applies. */
  readonly prefix: string;
}
