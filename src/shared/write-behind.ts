/** How long a row may trail its request: long enough for a burst of logins to share a commit. */
export const WRITE_BEHIND_DELAY_MS = 25;

/**
 * Rows written off the request path, in batches: the first row of a batch waits
 * WRITE_BEHIND_DELAY_MS for others to join it, then everything queued is written with one `write`
 * call (one statement, all or nothing), one commit. Under load each commit then carries many rows
 * and rewrites each index page it touches once for all of them, not once per row (events and
 * login attempts: bench/README.md item 44). Unlike db/group-commit.ts, nobody awaits the rows:
 * they are records of what happened, written after the answer, on either database.
 *
 * `flush` ends the wait at once and resolves when everything pushed before it is written
 * (shutdown, reads that must see the rows). The timer never holds the process open.
 */
export function createWriteBehind<T>(opts: {
  /** Rows per `write` at most: bounds one statement's parameters (a flood queues thousands). */
  maxBatch: number;
  write: (batch: T[]) => Promise<void>;
  /**
   * A row that could not be written is dropped (it is in a log already) and reported here; the
   * queue goes on. A failed batch is retried row by row first, so one bad row (a user deleted
   * meanwhile, say) cannot take the rows of others with it.
   */
  onError: (err: unknown, count: number) => void;
}) {
  const queue: T[] = [];
  let cycle: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  async function writeBatch(batch: T[]): Promise<void> {
    try {
      await opts.write(batch);
    } catch (err) {
      if (batch.length === 1) return opts.onError(err, 1);
      for (const row of batch) await writeBatch([row]);
    }
  }

  function schedule(): void {
    if (cycle) return;
    cycle = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WRITE_BEHIND_DELAY_MS);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    })
      .then(async () => {
        wake = null;
        while (queue.length) {
          await writeBatch(queue.splice(0, opts.maxBatch));
        }
      })
      .finally(() => {
        cycle = null;
      });
  }

  return {
    push(row: T): void {
      queue.push(row);
      schedule();
    },
    async flush(): Promise<void> {
      while (cycle || queue.length) {
        if (!cycle) schedule();
        wake?.();
        await cycle;
      }
    },
  };
}
