import type { Logger } from 'pino';
import type { Locate } from '../geo/locate.js';
import type { Clock } from '../shared/clock.js';
import type { SessionSnapshot } from './liveness.js';
import type { SessionStore, SessionTouch } from './store.js';

/** A session's `last_*` is written at most this often (clock time). */
export const ACTIVITY_WRITE_MS = 60_000;
/** Pending activity is written this often (real time), and at shutdown. */
export const ACTIVITY_FLUSH_MS = 2_000;
const MAX_TRACKED = 100_000;

interface Pending {
  id: string;
  at: number;
  ip: string | null;
  userAgent: string | null;
  idleExpiresAt: number;
}

/**
 * Write-behind for session activity. `note` runs on every authenticated request and costs a map
 * lookup; when a session's last write is a minute old it queues one row, and a timer writes the
 * queue in one transaction (GeoIP lookups happen there too, never on the request path).
 */
export function createActivityTracker(deps: {
  store: SessionStore;
  clock: Clock;
  locate: Locate;
  logger: Logger;
  idleTtl: (rememberMe: boolean) => number;
}) {
  const { store, clock, locate, logger } = deps;
  /** sid → last write this instance made or queued, with the idle expiry it grants. */
  const written = new Map<string, { at: number; idleExpiresAt: number }>();
  let pending = new Map<string, Pending>();
  let flushing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;

  async function writeBatch(batch: Pending[]): Promise<void> {
    const rows: SessionTouch[] = [];
    for (const p of batch) rows.push({ ...p, location: p.ip ? await locate(p.ip) : null });
    await store.touchMany(rows, ACTIVITY_WRITE_MS);
  }

  function flush(): Promise<void> {
    flushing ??= (async () => {
      while (pending.size) {
        const batch = [...pending.values()];
        pending = new Map();
        try {
          await writeBatch(batch);
        } catch (err) {
          logger.error({ err, count: batch.length }, 'writing session activity failed');
        }
      }
    })().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  return {
    /** Records a request on a live session; queues a write when the last one is a minute old. */
    note(s: SessionSnapshot, ip: string | null, userAgent: string | null): void {
      const now = clock.now();
      const last = Math.max(s.lastActive, written.get(s.sid)?.at ?? 0);
      if (now - last < ACTIVITY_WRITE_MS) return;
      const idleExpiresAt = Math.min(s.absoluteExpiresAt, now + deps.idleTtl(s.rememberMe) * 1000);
      written.delete(s.sid);
      written.set(s.sid, { at: now, idleExpiresAt });
      if (written.size > MAX_TRACKED) written.delete(written.keys().next().value!);
      pending.set(s.sid, { id: s.sid, at: now, ip, userAgent: userAgent?.slice(0, 512) ?? null, idleExpiresAt });
    },

    /** The idle expiry this instance granted to `sid` by recent activity (written or not). */
    grantedIdle(sid: string): number | undefined {
      return written.get(sid)?.idleExpiresAt;
    },

    flush,

    start(): void {
      timer ??= setInterval(() => void flush(), ACTIVITY_FLUSH_MS);
      timer.unref();
    },

    /** Stops the timer and writes what is queued. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      while (pending.size || flushing) await flush();
    },
  };
}
export type ActivityTracker = ReturnType<typeof createActivityTracker>;
