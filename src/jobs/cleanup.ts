import type { SessionStore } from '../sessions/store.js';
import type { Clock } from '../shared/clock.js';
import type { RefreshStore } from '../tokens/refresh-store.js';
import type { Job } from './scheduler.js';

/**
 * Deletes refresh tokens past their expiry (a consumed one is kept until then, so a replay is
 * still recognised as reuse) and sessions that ended — revoked, idle- or absolutely expired —
 * more than `endedRetention` seconds ago; until then they stay for audit with their revocation
 * reason. Deleting a session deletes its remaining refresh tokens (foreign key cascade).
 */
export function sessionCleanupJob(deps: {
  sessions: SessionStore;
  refresh: RefreshStore;
  clock: Clock;
  intervalSeconds: number;
  endedRetention: number;
}): Job {
  return {
    name: 'session-cleanup',
    intervalSeconds: deps.intervalSeconds,
    async run() {
      const now = deps.clock.now();
      const refresh_tokens = await deps.refresh.deleteExpired(now);
      const sessions = await deps.sessions.deleteEndedBefore(now - deps.endedRetention * 1000);
      return { refresh_tokens, sessions };
    },
  };
}
