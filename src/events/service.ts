import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Cache } from '../cache/port.js';
import type { Clock } from '../shared/clock.js';
import { isoTime } from '../shared/clock.js';
import { createWriteBehind } from '../shared/write-behind.js';
import { eventCatalogue, type EventLevel, type EventType } from './catalogue.js';
import { createEventFeed, EVENTS_CHANNEL, type EventsMessage } from './feed.js';
import type { EventFilter, EventStore } from './store.js';
import type { EventInput, RecordedEvent } from './types.js';

type QueuedEvent = { type: EventType; input: EventInput; time: number };

/** Log level of each event level in the app log (pino has no "notice"). */
const logLevel: Record<EventLevel, 'info' | 'warn' | 'error'> = {
  info: 'info',
  notice: 'info',
  warning: 'warn',
  critical: 'error',
};

/** Events per broker message: keeps one message small even when a burst is flushed at once. */
const PUBLISH_CHUNK = 100;
/**
 * Batches stored but not yet announced, at most. Beyond it (a broker that stopped answering)
 * a batch is not announced: other instances' feeds read it from the database instead.
 */
const MAX_PENDING_ANNOUNCES = 100;
/** Real time (ms) without announcements after one failed. */
const BROKER_BACKOFF_MS = 5_000;

export interface EventServiceDeps {
  store: EventStore;
  clock: Clock;
  logger: Logger;
  /** Fan-out to other instances; without it events stay in this process (single instance). */
  cache?: Cache;
  /** Identifies this instance on the broker; random by default. */
  instanceId?: string;
  /** While event streams are open, also poll the database for new events this often (ms; 0 = never). */
  streamPollMs?: number;
}

/**
 * `events.emit` is the only way to record something security-relevant. It writes one JSON line to
 * the app log at once (with the request's trace id), queues the event, and returns: the queue is
 * stored in batches off the request path, each stored event goes to the in-process bus
 * (`onEvent`), and the batch is announced on the cache's pub/sub so the feed of every instance
 * (`feed`, behind the admin event stream) sees it.
 */
export function createEventService(deps: EventServiceDeps) {
  const instanceId = deps.instanceId ?? randomBytes(8).toString('hex');
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const onEvent = (listener: (e: RecordedEvent) => void): (() => void) => {
    bus.on('event', listener);
    return () => bus.off('event', listener);
  };

  const feed = createEventFeed({
    store: deps.store,
    cache: deps.cache,
    instanceId,
    logger: deps.logger,
    onLocal: onEvent,
    pollMs: deps.streamPollMs ?? 0,
  });

  // After a failed announcement the broker is left alone for a while: batches stored meanwhile
  // are not announced (other instances' feeds fill the gap from the database when their next
  // event arrives), so a dead broker costs one timeout, not one per batch, shutdown included.
  let brokerDownUntil = 0;
  async function announce(cache: Cache, events: RecordedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += PUBLISH_CHUNK) {
      if (performance.now() < brokerDownUntil) return;
      const message: EventsMessage = { origin: instanceId, events: events.slice(i, i + PUBLISH_CHUNK) };
      try {
        await cache.publish(EVENTS_CHANNEL, JSON.stringify(message));
      } catch (err) {
        brokerDownUntil = performance.now() + BROKER_BACKOFF_MS;
        deps.logger.warn({ err }, 'failed to announce events to other instances');
      }
    }
  }

  // Announcements go out one after another, in the order their batches were stored, but the
  // store never waits for them: a slow or stalled broker must not hold back the audit log.
  let announcing: Promise<void> = Promise.resolve();
  let pendingAnnounces = 0;
  function announceLater(events: RecordedEvent[]): void {
    const cache = deps.cache;
    // An in-process cache is never shared between instances: nobody else could hear it.
    if (!cache || cache.kind === 'memory') return;
    if (pendingAnnounces >= MAX_PENDING_ANNOUNCES) {
      deps.logger.warn({ count: events.length }, 'events not announced: the broker is behind');
      return;
    }
    pendingAnnounces++;
    announcing = announcing.then(() => announce(cache, events)).finally(() => pendingAnnounces--);
  }

  /** Stores one batch, then hands it to this process's listeners and to the other instances. */
  async function store(batch: QueuedEvent[]): Promise<void> {
    const rows = batch.map((e) => ({
      type: e.type,
      level: eventCatalogue[e.type],
      time: e.time,
      actor_id: e.input.actor_id ?? null,
      ip: e.input.ip ?? null,
      user_agent: e.input.user_agent ?? null,
      target_id: e.input.target_id ?? null,
      data: JSON.stringify(e.input.data ?? {}),
    }));
    const ids = await deps.store.insertMany(rows);
    const recorded = rows.map((r, i) => ({ ...r, id: ids[i]!, time: isoTime(r.time), data: batch[i]!.input.data ?? {} }));
    // Stored now: a listener's failure must not reach the queue, which would write the rows again.
    try {
      for (const e of recorded) bus.emit('event', e);
    } catch (err) {
      deps.logger.error({ err }, 'an event listener failed');
    }
    announceLater(recorded);
  }

  const queue = createWriteBehind<QueuedEvent>({
    // Eight columns a row: far below SQLite's and Postgres's limits on one statement's parameters.
    maxBatch: 500,
    write: store,
    // Each event is already in the app log (emit), so a database outage loses no trace of it.
    onError: (err, count) => deps.logger.error({ err, count }, 'failed to persist events'),
  });

  return {
    instanceId,
    /** Records an event; never blocks and never throws into the caller's request. */
    emit(type: EventType, input: EventInput = {}): void {
      const level = eventCatalogue[type];
      const event = {
        type,
        level,
        actor_id: input.actor_id ?? null,
        ip: input.ip ?? null,
        user_agent: input.user_agent ?? null,
        target_id: input.target_id ?? null,
        data: input.data ?? {},
      };
      // pino writes every value JSON-escaped: a newline or escape sequence inside an email or
      // user agent stays inside its string and can never forge a log line (checklist row 55).
      deps.logger[logLevel[level]]({ event }, `event ${type}`);
      queue.push({ type, input, time: deps.clock.now() });
    },
    /** Resolves once everything emitted so far is stored and announced (shutdown, tests). */
    async flush(): Promise<void> {
      await queue.flush();
      await announcing;
    },
    /**
     * One page of stored events, newest first; this instance's queued events are stored first
     * (not announced: the reader needs the rows, not the broker).
     */
    async page(filter: EventFilter, offset: number, limit: number) {
      await queue.flush();
      return deps.store.page(filter, offset, limit);
    },
    /** Called with each event this instance stored. Returns an unsubscribe function. */
    onEvent,
    /** Every instance's events, in id order (the admin event stream listens here). */
    feed,
  };
}
export type EventService = ReturnType<typeof createEventService>;
