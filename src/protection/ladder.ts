import { ConfigError } from '../config/load.js';
import type { Counter, CounterFactory } from './counters.js';

/** One rung: `failures` within `window` seconds from one IP block it for `block` seconds. */
export interface LadderStep {
  failures: number;
  window: number;
  block: number;
}

/** Parses "failures:window:block" steps (the schema checked the shape); failures must increase. */
export function parseLadder(steps: readonly string[]): LadderStep[] {
  const out = steps.map((s) => {
    const [failures, window, block] = s.split(':').map(Number) as [number, number, number];
    return { failures, window, block };
  });
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.failures <= out[i - 1]!.failures) {
      throw new ConfigError([`protection.ladder (GATEHOUSE_PROTECTION_LADDER): failures must increase from step to step, got ${steps.join(',')}`]);
    }
  }
  return out;
}

/**
 * Counts failures per IP in one counter per distinct window and reports the step reached. A step
 * fires when its window's count equals its threshold exactly: with a shared (atomic) counter only
 * one request, on one instance, sees that number, so a step blocks once per window.
 */
export function createLadder(steps: LadderStep[], counters: CounterFactory) {
  const windows = new Map<number, Counter>();
  for (const s of steps) if (!windows.has(s.window)) windows.set(s.window, counters(`ladder:${s.window}`, s.window));

  return {
    enabled: steps.length > 0,
    /** Adds one failure for the IP; returns the step (and its 1-based number) that it completed, if any. */
    async count(ip: string): Promise<{ step: LadderStep; index: number } | null> {
      if (!steps.length) return null;
      const counts = new Map<number, number>();
      await Promise.all([...windows].map(async ([w, c]) => counts.set(w, (await c.hit(ip)).count)));
      let reached: { step: LadderStep; index: number } | null = null;
      steps.forEach((step, i) => {
        if (counts.get(step.window) === step.failures) reached = { step, index: i + 1 };
      });
      return reached;
    },
    /** Forgets the IP's failures (an admin lifted its block). */
    async reset(ip: string): Promise<void> {
      await Promise.all([...windows.values()].map((c) => c.reset(ip)));
    },
  };
}
export type Ladder = ReturnType<typeof createLadder>;
