import { performance } from 'node:perf_hooks';
import type { Cache } from '../cache/port.js';
import { sha256 } from '../crypto/random.js';
import type { Clock } from '../shared/clock.js';
import type { SessionRow, SessionStore } from './store.js';

/** What the hot path needs to know about a session. */
export interface SessionSnapshot {
  sid: string;
  userId: string;
  amr: string[];
  authTime: number;
  rememberMe: boolean;
  lastActive: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

interface Entry {
  /** null: revoked or unknown. */
  snap: SessionSnapshot | null;
  /** Monotonic time when filled: entries are trusted for at most FRESH_MS of real time. */
  filledAt: number;
  /** Filled from the database (authoritative) rather than the shared cache. */
  fromDb: boolean;
}

/**
 * How long an instance may act on what it knows about a session without asking again. It bounds
 * how late a revocation is seen when a pub/sub message is lost; normally the message drops the
 * entry at once. Real time, not the injected clock: it measures staleness, not expiry.
 */
export const FRESH_MS = 1_000;
/** Shared-cache lifetime of a session snapshot (seconds): spares the database on local misses. */
const INFO_TTL = 60;
const MAX_ENTRIES = 50_000;

export const revokedKey = (sid: string) => `sess:revoked:${sid}`;
const infoKey = (sid: string) => `sess:info:${sid}`;

export function snapshotOf(row: SessionRow): SessionSnapshot {
  return {
    sid: row.id,
    userId: row.user_id,
    amr: JSON.parse(row.amr) as string[],
    authTime: row.login_time,
    rememberMe: row.remember_me === 1,
    lastActive: row.last_active,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
  };
}

function put<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

/**
 * "Is this session live?" without a database read in the common case: a bounded in-process map
 * (sid → snapshot, and cookie hash → sid) trusted for FRESH_MS, filled from the cache port (the
 * revocation mark plus a shared snapshot) and from the database only when both miss. Revocations
 * on any instance drop entries through `forget` (wired to the sessions pub/sub channel).
 */
export function createSessionLiveness(deps: {
  store: SessionStore;
  cache: Cache;
  clock: Clock;
  /** Idle expiry this instance has granted but not yet written (pending activity), if any. */
  pendingIdle?: (sid: string) => number | undefined;
  /** Monotonic milliseconds for entry freshness; default performance.now (tests may freeze it). */
  monotonic?: () => number;
}) {
  const { store, cache, clock } = deps;
  const mono = deps.monotonic ?? (() => performance.now());
  const bySid = new Map<string, Entry>();
  const byCookie = new Map<string, string>();
  const cookieOfSid = new Map<string, string>();
  // Single flight: concurrent misses for one key share one lookup instead of a stampede.
  const inflight = new Map<string, Promise<SessionSnapshot | null>>();
  // Bumped by every invalidation: a fill that began before one must not store what it read.
  let generation = 0;

  const fresh = (e: Entry | undefined): e is Entry => !!e && mono() - e.filledAt < FRESH_MS;

  /** Expiry as this instance knows it, counting activity it has recorded but not yet written. */
  function expiresAt(s: SessionSnapshot): number {
    const idle = Math.max(s.idleExpiresAt, deps.pendingIdle?.(s.sid) ?? 0);
    return Math.min(idle, s.absoluteExpiresAt);
  }

  function remember(sid: string, snap: SessionSnapshot | null, fromDb: boolean, gen: number): void {
    if (gen !== generation) return;
    put(bySid, sid, { snap, filledAt: mono(), fromDb });
  }

  async function fromDatabase(sid: string, gen: number): Promise<SessionSnapshot | null> {
    const row = await store.findById(sid);
    const snap = row && row.revoked_at === null ? snapshotOf(row) : null;
    remember(sid, snap, true, gen);
    if (snap) {
      const ttl = Math.min(INFO_TTL, Math.floor((expiresAt(snap) - clock.now()) / 1000));
      // Best effort: the database already answered; a cache outage must not turn that into an error.
      if (ttl > 0) await cache.set(infoKey(sid), JSON.stringify(snap), ttl).catch(() => {});
    }
    return snap;
  }

  async function fill(sid: string): Promise<SessionSnapshot | null> {
    const gen = generation;
    let revoked: string | null;
    let info: string | null;
    try {
      [revoked, info] = await Promise.all([cache.get(revokedKey(sid)), cache.get(infoKey(sid))]);
    } catch {
      // Cache unreachable: the database is the authority (revocation writes it first).
      return fromDatabase(sid, gen);
    }
    if (revoked !== null) {
      remember(sid, null, false, gen);
      return null;
    }
    if (info !== null) {
      const snap = JSON.parse(info) as SessionSnapshot;
      // A shared snapshot that looks idle-expired may predate a refresh or activity write: ask the database.
      if (expiresAt(snap) > clock.now()) {
        remember(sid, snap, false, gen);
        return snap;
      }
    }
    return fromDatabase(sid, gen);
  }

  const alive = (s: SessionSnapshot | null): s is SessionSnapshot => !!s && expiresAt(s) > clock.now();

  /** Joins a lookup in flight for `key`, unless an invalidation happened since it began. */
  function once(name: string, lookup: () => Promise<SessionSnapshot | null>): Promise<SessionSnapshot | null> {
    const key = `${generation}:${name}`;
    let p = inflight.get(key);
    if (!p) {
      p = lookup().finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  async function cookieLookup(hash: string): Promise<SessionSnapshot | null> {
    const gen = generation;
    const row = await store.findBySecretHash(hash);
    if (!row) return null;
    const snap = row.revoked_at === null ? snapshotOf(row) : null;
    if (gen === generation) {
      put(byCookie, hash, row.id);
      put(cookieOfSid, row.id, hash);
    }
    remember(row.id, snap, true, gen);
    return snap;
  }

  return {
    expiresAt,

    /** The live session `sid`, or null when it is revoked, expired or unknown. */
    async bySid(sid: string): Promise<SessionSnapshot | null> {
      const e = bySid.get(sid);
      // A fresh entry answers, unless it came from the shared cache and looks expired.
      if (fresh(e) && (!e.snap || e.fromDb || alive(e.snap))) return alive(e.snap) ? e.snap : null;
      const snap = await once(`sid:${sid}`, () => (fresh(e) ? fromDatabase(sid, generation) : fill(sid)));
      return alive(snap) ? snap : null;
    },

    /** The live session a cookie value names, or null. */
    async byCookie(secret: string): Promise<SessionSnapshot | null> {
      const hash = sha256(secret);
      const sid = byCookie.get(hash);
      const e = sid === undefined ? undefined : bySid.get(sid);
      if (fresh(e) && (!e.snap || e.fromDb || alive(e.snap))) return alive(e.snap) ? e.snap : null;
      const snap = await once(`cookie:${hash}`, () => cookieLookup(hash));
      return alive(snap) ? snap : null;
    },

    /**
     * Drops what this instance knows about `sid` (revocation here or elsewhere, a refresh that
     * moved its expiry). `shared` also drops the snapshot in the cache port.
     */
    async forget(sid: string, opts: { shared?: boolean } = {}): Promise<void> {
      generation++;
      bySid.delete(sid);
      const hash = cookieOfSid.get(sid);
      if (hash !== undefined) {
        cookieOfSid.delete(sid);
        byCookie.delete(hash);
      }
      // Best effort, as when it is written: a snapshot left behind only understates the idle
      // expiry, which sends readers to the database. A committed rotation must still be answered,
      // or the client's retry would look like a reuse.
      if (opts.shared) await cache.delete(infoKey(sid)).catch(() => {});
    },
  };
}
export type SessionLiveness = ReturnType<typeof createSessionLiveness>;
