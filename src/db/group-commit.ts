import type SQLite from 'better-sqlite3';
import { statementCache } from './connect.js';

type Prepare = (text: string) => SQLite.Statement;

/** The unit of work: synchronous statements on the handle; a throw undoes only this unit. */
export type SqliteWork<T> = (prepare: Prepare) => T;

interface Pending {
  work: SqliteWork<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** How long a batch waits, each time, for a Kysely transaction open on the connection to end. */
const BUSY_RETRY_MS = 1;

/**
 * Group commit for SQLite write hot paths. Units submitted while the event loop handles one batch
 * of I/O run together at the next `setImmediate`: one BEGIN IMMEDIATE, a SAVEPOINT per unit (a
 * failing unit rolls back alone and rejects alone), one COMMIT. In WAL mode the commit — the WAL
 * write and, every thousand pages, the checkpoint's fsync — dominates a small write transaction, so
 * sharing it is what lets rotations keep up under concurrency. Every caller hears back only after
 * the COMMIT, so nothing is answered before it is durable to the same degree as a lone transaction.
 *
 * While a Kysely transaction is open on the same connection (it awaits between statements, and our
 * writes would silently join it), the batch waits for it to end. Units must therefore never be
 * submitted from inside a Kysely transaction.
 */
export function createGroupCommit(native: SQLite.Database) {
  let queue: Pending[] = [];
  const prepare = statementCache(native);
  // Built once: better-sqlite3 builds four wrappers per `transaction()` call (10% of a refresh).
  const unit = native.transaction((p: Pending) => p.work(prepare));
  const batch = native.transaction((items: Pending[], results: Array<{ ok: boolean; value: unknown }>) => {
    for (const p of items) {
      try {
        results.push({ ok: true, value: unit(p) }); // nested: runs inside a savepoint
      } catch (err) {
        // Some errors (I/O, disk full) end the whole transaction: then nothing of the batch stands.
        if (!native.inTransaction) throw err;
        results.push({ ok: false, value: err });
      }
    }
  });

  let scheduled = false;
  function flush(): void {
    if (native.inTransaction) {
      setTimeout(flush, BUSY_RETRY_MS);
      return;
    }
    scheduled = false;
    const items = queue;
    queue = [];
    const results: Array<{ ok: boolean; value: unknown }> = [];
    try {
      batch.immediate(items, results);
    } catch (err) {
      for (const p of items) p.reject(err); // BEGIN or COMMIT failed: nothing of the batch stands
      return;
    }
    items.forEach((p, i) => (results[i]!.ok ? p.resolve(results[i]!.value) : p.reject(results[i]!.value)));
  }

  return {
    run<T>(work: SqliteWork<T>): Promise<T> {
      return new Promise((resolve, reject) => {
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
        queue.push({ work, resolve: resolve as Pending['resolve'], reject });
      });
    },
  };
}
export type GroupCommit = ReturnType<typeof createGroupCommit>;
