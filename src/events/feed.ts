import type { Logger } from 'pino';
import type { Cache } from '../cache/port.js';
import type { EventRow, EventStore } from './store.js';
import { toRecordedEvent, type RecordedEvent } from './types.js';

/** Cache channel on which each instance announces the events it stored. */
export const EVENTS_CHANNEL = 'events';

/** What travels on the channel: the stored events of one batch and who stored them. */
export interface EventsMessage {
  origin: string;
  events: RecordedEvent[];
}

export interface EventFeedDeps {
  store: EventStore;
  /** Broker for other instances' events (Redis); an in-process cache has nothing to offer here. */
  cache?: Cache;
  /** This instance's id, to ignore its own announcements coming back from the broker. */
  instanceId: string;
  logger: Logger;
  /** Hooks into the in-process bus (events stored by this instance). */
  onLocal(listener: (e: RecordedEvent) => void): () => void;
  /** While anyone listens, also read new rows from the database this often (ms; 0 = never). */
  pollMs: number;
  /** How long a hole in the id sequence may hold later events back before it is skipped (ms). */
  gapWaitMs?: number;
}

export interface FeedSubscription {
  /** Every event with id ≤ cursor was delivered before this subscription; the listener gets the rest. */
  cursor: number;
  stop(): void;
}

const PAGE = 500;
const GAP_TRIES = 4;
const SUBSCRIBE_WAIT_MS = 2000;

const maxKey = (m: Map<number, unknown>) => {
  let v = -Infinity;
  for (const k of m.keys()) if (k > v) v = k;
  return v;
};
const minKey = (m: Map<number, unknown>) => {
  let v = Infinity;
  for (const k of m.keys()) if (k < v) v = k;
  return v;
};

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * The cluster-wide event feed: events from this instance (in-process bus) and from the others
 * (cache pub/sub), delivered to listeners once each and in id order. The ids come from one
 * database sequence, so a hole in them means an event we have not heard of yet: the feed reads
 * it from the database. A hole that stays empty (a rolled-back insert) is skipped after a short
 * wait. Pub/sub may drop messages (reconnects); the database fills those gaps, and a slow poll
 * while listeners exist catches the tail when no later event arrives to reveal the hole.
 *
 * Started lazily by the first subscriber, so instances nobody streams from pay nothing.
 *
 * Why Redis pub/sub (through the cache port) rather than Postgres LISTEN/NOTIFY: the cache port
 * already carries the other cross-instance signal (session revocations), so there is one fan-out
 * path to run and test; LISTEN needs a dedicated connection held outside the pool per instance
 * (and breaks behind transaction-pooling proxies), NOTIFY payloads stop at 8000 bytes, and SQLite
 * has nothing like it. Pub/sub delivers at most once, which is acceptable only because the ids
 * come from one sequence: whatever a message loses, the database still has, and the feed reads it.
 */
export function createEventFeed(deps: EventFeedDeps) {
  const { store, logger } = deps;
  const gapWaitMs = deps.gapWaitMs ?? 2000;
  const listeners = new Set<(e: RecordedEvent) => void>();
  const pending = new Map<number, RecordedEvent>();
  let cursor = 0;
  let ready = false;
  let stopped = false;
  let starting: Promise<void> | null = null;
  let early: RecordedEvent[] = [];
  let filling = false;
  let pollTimer: NodeJS.Timeout | undefined;
  const cleanups: Array<() => void | Promise<void>> = [];

  function deliverContiguous(): void {
    for (let next = pending.get(cursor + 1); next; next = pending.get(cursor + 1)) {
      pending.delete(next.id);
      cursor = next.id;
      for (const l of listeners) {
        try {
          l(next);
        } catch (err) {
          logger.error({ err }, 'event listener failed');
        }
      }
    }
  }

  function arrive(e: RecordedEvent): void {
    if (stopped) return;
    if (!ready) {
      early.push(e);
      return;
    }
    if (e.id <= cursor || pending.has(e.id)) return;
    pending.set(e.id, e);
    deliverContiguous();
    if (pending.size) void fillGaps();
  }

  /** Reads the missing ids from the database; skips holes that stay empty past the wait. */
  async function fillGaps(): Promise<void> {
    if (filling) return;
    filling = true;
    let tries = 0;
    let waitingAt = cursor;
    try {
      while (pending.size && !stopped) {
        const top = maxKey(pending);
        let rows: EventRow[];
        try {
          rows = await store.listAfter(cursor, PAGE, top);
        } catch (err) {
          logger.warn({ err }, 'event feed: reading missing events failed');
          rows = [];
        }
        for (const r of rows) {
          const e = toRecordedEvent(r);
          if (e.id > cursor && !pending.has(e.id)) pending.set(e.id, e);
        }
        deliverContiguous();
        if (!pending.size || rows.length === PAGE) continue;
        if (cursor !== waitingAt) {
          waitingAt = cursor;
          tries = 0;
        }
        if (tries >= GAP_TRIES) {
          // Nothing came for these ids: a rolled-back insert (or pruned). Move past the hole.
          cursor = minKey(pending) - 1;
          deliverContiguous();
          tries = 0;
          continue;
        }
        tries++;
        await sleep(gapWaitMs / GAP_TRIES);
      }
    } finally {
      filling = false;
    }
  }

  async function poll(): Promise<void> {
    if (filling || !ready || stopped) return;
    try {
      const rows = await store.listAfter(cursor, PAGE);
      for (const r of rows) arrive(toRecordedEvent(r));
    } catch (err) {
      logger.warn({ err }, 'event feed: poll failed');
    }
  }

  function onMessage(message: string): void {
    let msg: EventsMessage;
    try {
      msg = JSON.parse(message) as EventsMessage;
    } catch {
      return;
    }
    if (msg.origin === deps.instanceId || !Array.isArray(msg.events)) return;
    for (const e of msg.events) if (Number.isSafeInteger(e?.id)) arrive(e);
  }

  async function start(): Promise<void> {
    try {
      await connect();
    } catch (err) {
      await Promise.allSettled(cleanups.splice(0).map(async (fn) => fn()));
      throw err;
    }
  }

  async function connect(): Promise<void> {
    cleanups.push(deps.onLocal(arrive));
    if (deps.cache && deps.cache.kind !== 'memory') {
      // Wait for the subscription so nothing published after a stream opens is missed through
      // it, but not forever: with the broker down the database fills in for it.
      const sub = deps.cache.subscribe(EVENTS_CHANNEL, onMessage).then((unsub) => {
        if (stopped) void unsub();
        else cleanups.push(unsub);
      });
      sub.catch((err: unknown) => logger.warn({ err }, 'event feed: subscribing to other instances failed'));
      await Promise.race([sub.catch(() => {}), sleep(SUBSCRIBE_WAIT_MS)]);
    }
    cursor = await store.maxId();
    ready = true;
    const first = early;
    early = [];
    for (const e of first) arrive(e);
  }

  function ensureStarted(): Promise<void> {
    starting ??= start().catch((err: unknown) => {
      starting = null;
      throw err;
    });
    return starting;
  }

  return {
    /** Starts listening (once) and adds a listener for every event after the returned cursor. */
    async subscribe(listener: (e: RecordedEvent) => void): Promise<FeedSubscription> {
      await ensureStarted();
      listeners.add(listener);
      if (deps.pollMs > 0 && !pollTimer) {
        pollTimer = setInterval(() => void poll(), deps.pollMs);
        pollTimer.unref();
      }
      return {
        cursor,
        stop: () => {
          listeners.delete(listener);
          if (listeners.size === 0 && pollTimer) {
            clearInterval(pollTimer);
            pollTimer = undefined;
          }
        },
      };
    },
    async stop(): Promise<void> {
      stopped = true;
      listeners.clear();
      if (pollTimer) clearInterval(pollTimer);
      await Promise.allSettled(cleanups.map(async (fn) => fn()));
    },
  };
}
export type EventFeed = ReturnType<typeof createEventFeed>;
