import type { Logger } from 'pino';
import type { Cache } from '../cache/index.js';
import type { Clock } from '../shared/clock.js';
import { contains, parseCidr, type Cidr, type ParsedIp } from './cidr.js';
import type { ProtectionStore } from './store.js';

export type RuleScope = 'all' | 'admin' | 'login';
/** Which guarded area a request falls in; `other` is matched by scope-all rules only. */
export type RequestScope = 'admin' | 'login' | 'other';

interface RangeEntry {
  cidr: Cidr;
  expiresAt: number | null;
}
export interface Rule {
  action: 'allow' | 'deny';
  scope: RuleScope;
  cidr: Cidr;
}

const CHANNEL = 'protection:changed';

/**
 * The blacklist and network rules as an in-process snapshot, so the per-request check costs no
 * I/O. Every instance reloads it from the database when any instance announces a change on the
 * cache port's pub/sub (Redis across instances), and every `refreshSeconds` in case a notice was
 * lost (a Redis reconnect drops messages).
 */
export function createAccessList(deps: { store: ProtectionStore; cache: Cache; clock: Clock; logger: Logger; refreshSeconds: number }) {
  const { store, cache, clock, logger } = deps;
  // Single hosts (every ladder block) are a map lookup; ranges, usually few and manual, a scan.
  let hosts = new Map<string, number | null>();
  let ranges: RangeEntry[] = [];
  let rules: Rule[] = [];
  let loading: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;

  const parsed = (text: string): Cidr | null => {
    const c = parseCidr(text);
    return 'error' in c ? null : c;
  };

  async function loadOnce(): Promise<void> {
    const now = clock.now();
    const [entries, ruleRows] = await Promise.all([store.activeBlacklist(now), store.rules()]);
    const nextHosts = new Map<string, number | null>();
    const nextRanges: RangeEntry[] = [];
    for (const e of entries) {
      const cidr = parsed(e.cidr);
      if (!cidr) continue;
      if (cidr.prefix === (cidr.family === 4 ? 32 : 128)) {
        const prev = nextHosts.get(cidr.text);
        nextHosts.set(cidr.text, prev === null || e.expires_at === null ? null : Math.max(prev ?? 0, e.expires_at));
      } else nextRanges.push({ cidr, expiresAt: e.expires_at });
    }
    hosts = nextHosts;
    ranges = nextRanges;
    rules = ruleRows.flatMap((r) => {
      const cidr = parsed(r.cidr);
      return cidr ? [{ action: r.action, scope: r.scope, cidr }] : [];
    });
  }

  /** Reloads; concurrent calls share one load, and a call during a load causes one more after it. */
  function reload(): Promise<void> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        do {
          again = false;
          await loadOnce();
        } while (again);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  const reloadQuietly = () =>
    reload().catch((err: unknown) => logger.error({ err }, 'protection: reloading blacklist and network rules failed'));

  return {
    /** First load and subscription; start-up fails if the database cannot be read. */
    async start(): Promise<void> {
      await reload();
      unsubscribe = await cache.subscribe(CHANNEL, () => void reloadQuietly());
      timer = setInterval(() => {
        void store
          .purgeExpired(clock.now())
          .catch((err: unknown) => logger.warn({ err }, 'protection: purging expired blacklist entries failed'));
        void reloadQuietly();
      }, deps.refreshSeconds * 1000);
      timer.unref();
    },

    async stop(): Promise<void> {
      clearInterval(timer);
      await unsubscribe?.();
    },

    /** After a write: reload here at once, then tell the other instances. */
    async changed(): Promise<void> {
      await reload();
      // The change is in the database and in force here; the others also reload on their interval.
      await cache.publish(CHANNEL, String(clock.now())).catch((err: unknown) => {
        logger.warn({ err }, 'access list change not announced to other instances');
      });
    },

    /**
     * undefined = not blacklisted; null = blocked for good; else blocked until that epoch ms.
     * `parsed` is called only when there are ranges to match: most requests need a map lookup only.
     */
    blockedUntil(ip: string, parsed: () => ParsedIp | null, now: number): number | null | undefined {
      let until: number | null | undefined;
      const merge = (expiresAt: number | null) => {
        if (expiresAt !== null && expiresAt <= now) return;
        until = until === null || expiresAt === null ? null : Math.max(until ?? 0, expiresAt);
      };
      const host = hosts.get(ip);
      if (host !== undefined) merge(host);
      const p = ranges.length ? parsed() : null;
      if (p) for (const r of ranges) if (contains(r.cidr, p)) merge(r.expiresAt);
      return until;
    },

    /** The first rule covering this scope and address decides; none = allow. */
    allows(parsed: () => ParsedIp | null, scope: RequestScope): boolean {
      if (!rules.length) return true;
      const p = parsed();
      return p ? rulesAllow(rules, p, scope) : true;
    },
  };
}
export type AccessList = ReturnType<typeof createAccessList>;

/** First match wins, default allow. Also used on a candidate list before saving it (self-lockout check). */
export function rulesAllow(list: readonly Rule[], ip: ParsedIp, scope: RequestScope): boolean {
  for (const r of list) {
    if (r.scope !== 'all' && r.scope !== scope) continue;
    if (contains(r.cidr, ip)) return r.action === 'allow';
  }
  return true;
}
