import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error.js';
import type { Cache, MessageHandler } from './port.js';

// ioredis costs ~11 MB of memory: required only when Redis is configured, not by every process.
type IoRedis = Pick<typeof import('ioredis'), 'Redis' | 'ReplyError'>;
const loadIoRedis = (): IoRedis => createRequire(import.meta.url)('ioredis') as IoRedis;

/**
 * A command without an answer by then fails (ms). ioredis otherwise waits for ever on a broker
 * that holds the connection open but stopped answering; a failure takes the callers' fallback
 * paths instead (the database for session liveness, a logged warning for announcements). Every
 * command here is a key lookup or a short script, far below this in normal operation.
 */
const COMMAND_TIMEOUT_MS = 1_000;

/** QUIT, waiting for its answer no longer than a command would; then the socket is closed anyway. */
async function quit(client: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, COMMAND_TIMEOUT_MS)));
  await Promise.race([client.quit().then(() => undefined, () => undefined), late]);
  clearTimeout(timer);
  client.disconnect();
}

/** Redis adapter: shared state and pub/sub across instances, every key and channel under `prefix`. */
export function createRedisCache(url: string, prefix: string): Cache {
  const { Redis, ReplyError } = loadIoRedis();
  /**
   * A Redis that cannot answer (timed out, reconnect retries used up, connection closed) makes
   * the request a 503 with Retry-After, not an internal error; a reply error (a bad command) stays
   * what it is. Callers with a fallback (session liveness, counters, announcements) catch either.
   */
  const answered = async <T>(command: Promise<T>): Promise<T> => {
    try {
      return await command;
    } catch (err) {
      if (err instanceof ReplyError) throw err;
      throw Object.assign(new AppError('service_unavailable', { retryAfter: 1, detail: 'The shared cache did not answer' }), { cause: err });
    }
  };
  const client = new Redis(url, {
    keyPrefix: prefix,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  // Errors surface on commands (health check, callers); the client reconnects by itself.
  client.on('error', () => {});
  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<MessageHandler>>();
  // Pending SUBSCRIBE per channel, so a second caller also waits until messages can arrive.
  const subscribing = new Map<string, Promise<unknown>>();

  const subscriberClient = (): Redis => {
    if (subscriber) return subscriber;
    // keyPrefix does not apply to channels, so the prefix is added by hand below.
    // Its own commands (subscribe, unsubscribe) time out too; the messages it receives do not.
    subscriber = new Redis(url, { maxRetriesPerRequest: null, commandTimeout: COMMAND_TIMEOUT_MS });
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => {
      for (const h of handlers.get(channel) ?? []) h(message);
    });
    return subscriber;
  };

  // One script so "create with TTL, else just add" is atomic: the window of a counter starts when
  // it is created and is never extended by later increments.
  const incrScript = `local existed = redis.call('EXISTS', KEYS[1])
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v`;

  return {
    kind: 'redis',
    prefix,
    redis: client,
    get: (key) => answered(client.get(key)),
    set: async (key, value, ttl) => {
      await answered(ttl && ttl > 0 ? client.set(key, value, 'EX', ttl) : client.set(key, value));
    },
    delete: async (key) => {
      await answered(client.del(key));
    },
    incr: async (key, ttl = 0, by = 1) => Number(await answered(client.eval(incrScript, 1, key, by, ttl))),
    publish: async (channel, message) => {
      await answered(client.publish(prefix + channel, message));
    },
    subscribe: async (channel, handler) => {
      const full = prefix + channel;
      const sub = subscriberClient();
      let set = handlers.get(full);
      if (!set) {
        set = new Set();
        handlers.set(full, set);
        subscribing.set(full, sub.subscribe(full));
      }
      set.add(handler);
      const own = set;
      try {
        await subscribing.get(full);
      } catch (err) {
        own.delete(handler);
        if (own.size === 0 && handlers.get(full) === own) {
          handlers.delete(full);
          subscribing.delete(full);
        }
        throw err;
      }
      return async () => {
        own.delete(handler);
        if (own.size === 0 && handlers.get(full) === own) {
          handlers.delete(full);
          subscribing.delete(full);
          await sub.unsubscribe(full).catch(() => {});
        }
      };
    },
    ping: async () => {
      await client.ping();
    },
    close: async () => {
      handlers.clear();
      await Promise.all([client, subscriber].map((c) => (c ? quit(c) : undefined)));
    },
  };
}
