import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import { isoTime } from '../shared/clock.js';
import { eventCatalogue, type EventType } from './catalogue.js';
import type { EventStore } from './store.js';
import type { EventInput, RecordedEvent } from './types.js';

/**
 * `events.emit` is the only way to record something security-relevant. It persists the event
 * (batched, off the request path), then hands the stored event to in-process listeners.
 */
export function createEventService(deps: { store: EventStore; clock: Clock; logger: Logger }) {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let queue: Array<{ type: EventType; input: EventInput; time: number }> = [];
  let flushing: Promise<void> | null = null;

  async function flushOnce(): Promise<void> {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
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
      rows.forEach((r, i) => {
        const recorded: RecordedEvent = {
          ...r,
          id: ids[i]!,
          type: r.type,
          level: r.level,
          time: isoTime(r.time),
          data: batch[i]!.input.data ?? {},
        };
        bus.emit('event', recorded);
      });
    } catch (err) {
      deps.logger.error({ err, count: batch.length }, 'failed to persist events');
    }
  }

  function scheduleFlush(): void {
    if (flushing) return;
    flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        while (queue.length) await flushOnce();
      })
      .finally(() => {
        flushing = null;
      });
  }

  return {
    emit(type: EventType, input: EventInput = {}): void {
      queue.push({ type, input, time: deps.clock.now() });
      scheduleFlush();
    },
    /** Resolves once everything emitted so far is stored (shutdown, tests). */
    async flush(): Promise<void> {
      while (flushing || queue.length) {
        if (!flushing) scheduleFlush();
        await flushing;
      }
    },
    /** Called with each event after it is stored. Returns an unsubscribe function. */
    onEvent(listener: (e: RecordedEvent) => void): () => void {
      bus.on('event', listener);
      return () => bus.off('event', listener);
    },
  };
}
export type EventService = ReturnType<typeof createEventService>;
