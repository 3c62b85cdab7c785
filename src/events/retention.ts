import type { Job } from '../jobs/scheduler.js';
import type { Clock } from '../shared/clock.js';
import type { EventStore } from './store.js';

const CHUNK = 5000;
export const EVENT_PRUNE_JOB = 'events-prune';

/**
 * Deletes stored events past the retention period (`events.retention`; 0 keeps them forever).
 * The scheduler's lease makes one instance of a cluster run it per interval. Deletes go in
 * bounded chunks so no statement holds a long lock on a large table.
 */
export function eventRetentionJob(deps: { store: EventStore; clock: Clock; retentionSeconds: number; intervalSeconds: number }): Job {
  return {
    name: EVENT_PRUNE_JOB,
    intervalSeconds: deps.retentionSeconds > 0 ? deps.intervalSeconds : 0,
    async run() {
      if (deps.retentionSeconds <= 0) return { events: 0 };
      const before = deps.clock.now() - deps.retentionSeconds * 1000;
      let events = 0;
      for (;;) {
        const n = await deps.store.pruneOlderThan(before, CHUNK);
        events += n;
        if (n < CHUNK) break;
      }
      return { events };
    },
  };
}
