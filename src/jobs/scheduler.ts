import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { LeaseStore } from './lease.js';

export interface Job {
  name: string;
  /** Seconds between runs; 0 = never scheduled (runNow still works). */
  intervalSeconds: number;
  run(): Promise<Record<string, number> | void>;
}

/**
 * Runs jobs on timers. Every instance ticks, but a run needs the job's lease, held for most of an
 * interval: with several instances a job runs about once per interval, on one of them. Jobs are
 * idempotent anyway, so a lost lease race costs nothing but a skipped tick.
 */
export function createScheduler(deps: { leases: LeaseStore; clock: Clock; logger: Logger }) {
  const { leases, clock, logger } = deps;
  const holder = newId();
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const jobs = new Map<string, Job>();
  const busy = new Set<string>();
  let stopped = false;

  async function tick(job: Job): Promise<boolean> {
    // A slow run is never overlapped by the next tick of the same instance.
    if (stopped || busy.has(job.name)) return false;
    busy.add(job.name);
    try {
      const ttlMs = Math.max(1000, Math.floor(job.intervalSeconds * 900));
      if (!(await leases.tryAcquire(`job:${job.name}`, holder, clock.now(), ttlMs))) return false;
      const result = await job.run();
      logger.info({ job: job.name, ...result }, 'job finished');
      return true;
    } finally {
      busy.delete(job.name);
    }
  }

  function track<T>(p: Promise<T>): Promise<T> {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => {});
    return p;
  }

  return {
    add(job: Job): void {
      jobs.set(job.name, job);
      if (job.intervalSeconds <= 0) return;
      const timer = setInterval(() => {
        track(tick(job)).catch((err) => logger.error({ err, job: job.name }, 'job failed'));
      }, job.intervalSeconds * 1000);
      timer.unref();
      timers.push(timer);
    },

    /** Runs a job now if this instance can take its lease; true when it ran. */
    runNow(name: string): Promise<boolean> {
      const job = jobs.get(name);
      if (!job) throw new Error(`no job ${name}`);
      return track(tick(job));
    },

    /** Stops the timers and waits for runs in progress. */
    async stop(): Promise<void> {
      stopped = true;
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      await Promise.allSettled([...running]);
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
