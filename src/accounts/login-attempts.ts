import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { RotatingFile } from '../logging/rotating-file.js';
import type { Clock } from '../shared/clock.js';
import { isoTime } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { createWriteBehind } from '../shared/write-behind.js';
import { normalizeEmail } from './email.js';

/** One login attempt as the login service reports it. */
export interface LoginAttempt {
  email: string;
  userId: string | null;
  success: boolean;
  /** 'ok' or a failure reason (unknown_email, wrong_password, disabled, pending, …). */
  reason: string;
  ip: string | null;
  userAgent: string | null;
}

const MAX_EMAIL = 320;
const MAX_AGENT = 512;

/** SQL for the login-attempt table. */
export function createLoginAttemptStore(db: Kysely<Database>) {
  return {
    async insertMany(rows: Array<Database['login_attempts']>): Promise<void> {
      await db.insertInto('login_attempts').values(rows).execute();
    },
    /** Newest first; for the admin views and tests. */
    listForUser: (userId: string, limit = 50) =>
      db.selectFrom('login_attempts').selectAll().where('user_id', '=', userId).orderBy('time', 'desc').orderBy('id', 'desc').limit(limit).execute(),
    listForEmail: (emailNormalized: string, limit = 50) =>
      db
        .selectFrom('login_attempts')
        .selectAll()
        .where('email_normalized', '=', emailNormalized)
        .orderBy('time', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
  };
}
export type LoginAttemptStore = ReturnType<typeof createLoginAttemptStore>;

/**
 * The login-attempt log: each attempt becomes a row in `login_attempts` and one JSON line in the
 * auth log file. The line is written at once (synchronously); the row is written off the request
 * path, with the other attempts of the next few milliseconds in one INSERT, and `flush` waits for
 * pending rows (shutdown, tests). No password ever reaches either. Nothing reads these rows to
 * decide a login: the brute-force counters live in the cache.
 */
export function createLoginAttemptLog(deps: { store: LoginAttemptStore; file: RotatingFile; clock: Clock; logger: Logger }) {
  const rows = createWriteBehind<Database['login_attempts']>({
    maxBatch: 500,
    write: deps.store.insertMany,
    onError: (err, count) => deps.logger.error({ err, count }, 'failed to store login attempts'),
  });

  function record(a: LoginAttempt): void {
    const time = deps.clock.now();
    const email = a.email.slice(0, MAX_EMAIL);
    const userAgent = a.userAgent ? a.userAgent.slice(0, MAX_AGENT) : null;
    const row = {
      id: newId(time),
      time,
      email,
      email_normalized: normalizeEmail(email),
      user_id: a.userId,
      success: a.success ? 1 : 0,
      reason: a.reason,
      ip: a.ip,
      user_agent: userAgent,
    };
    // JSON.stringify escapes newlines and control characters (ANSI included): one attempt, one line.
    const line = {
      time: isoTime(time),
      type: 'login_attempt',
      outcome: a.success ? 'success' : 'failure',
      reason: a.reason,
      email,
      user_id: a.userId,
      ip: a.ip,
      user_agent: userAgent,
    };
    try {
      deps.file.writeLine(`${JSON.stringify(line)}\n`);
    } catch (err) {
      deps.logger.error({ err }, 'failed to write the auth log');
    }
    rows.push(row);
  }

  return {
    record,
    /** Resolves once every attempt recorded so far is stored. */
    flush: rows.flush,
    /** Flushes and closes the auth log file. */
    async close(): Promise<void> {
      await rows.flush();
      await new Promise<void>((resolve) => deps.file.end(() => resolve()));
    },
  };
}
export type LoginAttemptLog = ReturnType<typeof createLoginAttemptLog>;
