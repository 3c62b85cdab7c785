import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Cache } from '../cache/index.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { EventType } from '../events/catalogue.js';
import type { EventInput } from '../events/types.js';
import type { Mailer } from '../mail/mailer.js';
import { isoOrNull, isoTime, type Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { createAccessList, type RequestScope } from './access-list.js';
import { createProtectionAdmin } from './admin.js';
import { canonicalIp, parseIp, type ParsedIp } from './cidr.js';
import { createCounters, retrySeconds, type Counter } from './counters.js';
import { createLadder, parseLadder, type LadderStep } from './ladder.js';
import { createLockout } from './lockout.js';
import type { ProtectionStore } from './store.js';
import type { PasswordGuard } from '../login/service.js';

/** Flows that check a secret: their failures are counted (per IP+account, and on the IP ladder). */
export const failureFlows = ['login', 'mfa_verify', 'code_verify'] as const;
/** Flows that send or create something: every request is counted. */
export const requestFlows = ['register', 'mail_send', 'mfa_send'] as const;
export type FailureFlow = (typeof failureFlows)[number];
export type Flow = FailureFlow | (typeof requestFlows)[number];

/** Who is asking: the client IP (see hooks.ts clientIp), and the account the request names, if any. */
export interface Caller {
  ip: string | null;
  userAgent?: string | null;
  /** Email or user id; compared case-insensitively and stored only as a hash. */
  account?: string | null;
}

/** Callers may pass request.ip as is; counters must see one spelling per client (::ffff:a.b.c.d = a.b.c.d). */
const ipOf = (c: Caller): string | null => (c.ip ? (canonicalIp(c.ip) ?? c.ip) : null);
const isFailureFlow = (f: Flow): f is FailureFlow => (failureFlows as readonly string[]).includes(f);
const blockKey = (ip: string) => `protection:block:${ip}`;
/** IP + account as one counter key; the account is hashed so emails never sit in Redis. */
const accountKey = (ip: string, account: string | null | undefined): string | null =>
  account ? `${ip}|${createHash('sha256').update(account.trim().toLowerCase()).digest('base64url').slice(0, 22)}` : null;

/**
 * Rate limits, the brute-force ladder, the blacklist and network rules, and account lockout.
 * No HTTP here: hooks.ts turns requests into `admit` / `checkAttempt` calls, and the services that
 * check secrets report outcomes through `recordFailure` / `recordSuccess` (or `passwordGuard`).
 */
export function createProtectionService(deps: {
  config: Config['protection'];
  store: ProtectionStore;
  cache: Cache;
  clock: Clock;
  events: EventService;
  logger: Logger;
  mailer?: Pick<Mailer, 'sendInBackground'>;
}) {
  const { config, store, cache, clock, events } = deps;
  const counters = createCounters(cache);
  const ladder = createLadder(parseLadder(config.ladder), counters);
  const access = createAccessList({ store, cache, clock, logger: deps.logger, refreshSeconds: config.refresh_interval });
  const lockout = createLockout({ store, clock, events, mailer: deps.mailer, failures: config.lockout.failures, duration: config.lockout.duration });
  const general = counters('ip', 60);
  const flows = Object.fromEntries(
    [...failureFlows, ...requestFlows].map((f) => [f, { ip: counters(`${f}:ip`, config[f].window), account: counters(`${f}:account`, config[f].window) }]),
  ) as Record<Flow, { ip: Counter; account: Counter }>;

  // Refusals repeat for as long as an attacker keeps going: record each kind once a minute per IP,
  // so an attack cannot flood the event store through its own refusals.
  const lastNotice = new Map<string, number>();
  function notice(type: EventType, key: string, input: EventInput): void {
    const now = clock.now();
    const at = lastNotice.get(`${type}:${key}`);
    if (at !== undefined && now - at < 60_000) return;
    if (lastNotice.size > 10_000) lastNotice.clear();
    lastNotice.set(`${type}:${key}`, now);
    events.emit(type, input);
  }

  /** Blocks the IP for a ladder step; keeps a longer block already in force. Returns the block's end. */
  async function blockIp(ip: string, step: LadderStep, index: number, userAgent: string | null): Promise<number> {
    const now = clock.now();
    const until = now + step.block * 1000;
    const reason = `${step.failures} failed attempts within ${step.window} s (step ${index})`;
    const existing = await store.findLive(ip, 'auto', now);
    if (existing && (existing.expires_at === null || existing.expires_at >= until)) return existing.expires_at ?? until;
    if (existing) await store.extendBlacklist(existing.id, { expires_at: until, reason });
    else await store.insertBlacklist({ id: newId(now), cidr: ip, reason, source: 'auto', created_by: null, created_at: now, expires_at: until });
    // Also in the cache: auth endpoints on every instance see the block before their snapshot
    // reloads. Best effort: the block is already in the database, which every reload reads.
    await cache.set(blockKey(ip), String(until), step.block).catch(() => {});
    await access.changed();
    events.emit('ip_blacklisted', {
      ip,
      user_agent: userAgent,
      data: { source: 'auto', step: index, failures: step.failures, window_seconds: step.window, block_seconds: step.block, blocked_until: isoTime(until) },
    });
    return until;
  }

  /** One failure on the IP's ladder; returns the new block end when a step fired. */
  async function countFailure(ip: string, userAgent: string | null | undefined): Promise<number | undefined> {
    const reached = await ladder.count(ip);
    return reached ? blockIp(ip, reached.step, reached.index, userAgent ?? null) : undefined;
  }

  async function refuse(flow: Flow, scope: 'ip' | 'account', c: Caller & { ip: string }, msLeft: number): Promise<never> {
    if (isFailureFlow(flow)) await countFailure(c.ip, c.userAgent);
    notice('rate_limited', `${flow}:${scope}:${c.ip}`, { ip: c.ip, user_agent: c.userAgent ?? null, data: { flow, limit: scope } });
    throw new AppError('rate_limited', { retryAfter: retrySeconds(msLeft) });
  }

  const blocked = (until: number | null) =>
    new AppError('ip_blocked', { extra: { blocked_until: isoOrNull(until) } });

  /** A failed secret check (wrong password, code or link): counts per IP+account and on the ladder. */
  async function recordFailure(flow: FailureFlow, c: Caller): Promise<void> {
    const ip = ipOf(c);
    if (!ip) return;
    const key = accountKey(ip, c.account);
    if (key && config[flow].per_account > 0) await flows[flow].account.hit(key);
    await countFailure(ip, c.userAgent);
  }

  /** A passed secret check: this IP's failure count for the account starts again. */
  async function recordSuccess(flow: FailureFlow, c: Caller): Promise<void> {
    const ip = ipOf(c);
    const key = ip ? accountKey(ip, c.account) : null;
    if (key) await flows[flow].account.reset(key);
  }

  const passwordGuard: PasswordGuard = {
    isLocked: (user) => lockout.isLocked(user.id),
    async failed(a) {
      await recordFailure('login', { ip: a.ip, userAgent: a.userAgent, account: a.email });
      // Only a wrong password is a guess at this account; unknown or disabled accounts have no lock.
      if (a.user && a.reason === 'wrong_password') await lockout.failed(a.user, a);
    },
    async succeeded(a) {
      await Promise.all([recordSuccess('login', { ip: a.ip, account: a.email }), lockout.succeeded(a.user.id)]);
    },
  };

  return {
    async start(): Promise<void> {
      await access.start();
    },
    stop: () => access.stop(),

    /**
     * Every request but /health: blacklist, network rules, then the general per-IP limit. An
     * `attempt` (a POST to an auth endpoint) refused here still counts on the IP's ladder, so an
     * attacker who keeps hammering a block climbs to the next step.
     */
    async admit(req: { ip: string; scope: RequestScope; attempt: boolean; userAgent: string | null }): Promise<void> {
      // req.ip is canonical (hooks.ts clientIp).
      const ip = req.ip;
      // Parsed to a number only if some range or rule needs matching (most requests: none).
      let parsed: ParsedIp | null | undefined;
      const numeric = () => (parsed === undefined ? (parsed = parseIp(ip)) : parsed);
      const now = clock.now();
      let until = access.blockedUntil(ip, numeric, now);
      if (until === undefined && req.attempt) {
        // Blocks set by other instances since the last access-list reload. Without an answer from
        // the cache the blocks in the database still hold, as the counters fall back to this instance.
        const shared = Number((await cache.get(blockKey(ip)).catch(() => null)) ?? 0);
        if (shared > now) until = shared;
      }
      if (until !== undefined) {
        if (req.attempt) until = (await countFailure(ip, req.userAgent)) ?? until;
        notice('blacklist_hit', ip, { ip, user_agent: req.userAgent, data: { blocked_until: isoOrNull(until) } });
        throw blocked(until);
      }
      if (!access.allows(numeric, req.scope)) {
        notice('network_denied', `${req.scope}:${ip}`, { ip, user_agent: req.userAgent, data: { scope: req.scope } });
        throw new AppError('network_denied');
      }
      if (config.rate_limit_per_ip > 0) {
        const t = await general.hit(req.ip);
        if (t.count > config.rate_limit_per_ip) {
          if (req.attempt) await countFailure(req.ip, req.userAgent);
          notice('rate_limited', `all:${req.ip}`, { ip: req.ip, user_agent: req.userAgent, data: { flow: 'all', limit: 'ip' } });
          throw new AppError('rate_limited', { retryAfter: retrySeconds(t.msLeft) });
        }
      }
    },

    /** Before a guarded flow runs: refuses with 429 (and Retry-After) once a limit is reached. */
    async checkAttempt(flow: Flow, c: Caller): Promise<void> {
      const ip = ipOf(c);
      if (!ip) return;
      const caller = { ...c, ip };
      const cfg = config[flow];
      const key = accountKey(ip, c.account);
      if (isFailureFlow(flow) && key && cfg.per_account > 0) {
        // Failures were counted as they happened; here we only look, so a refusal adds nothing.
        const t = await flows[flow].account.peek(key);
        if (t && t.count >= cfg.per_account) await refuse(flow, 'account', caller, t.msLeft);
      }
      if (cfg.per_ip > 0) {
        const t = await flows[flow].ip.hit(ip);
        if (t.count > cfg.per_ip) await refuse(flow, 'ip', caller, t.msLeft);
      }
      if (!isFailureFlow(flow) && key && cfg.per_account > 0) {
        const t = await flows[flow].account.hit(key);
        if (t.count > cfg.per_account) await refuse(flow, 'account', caller, t.msLeft);
      }
    },

    recordFailure,
    recordSuccess,
    /** Hooks for the login service's password step: rate limits, ladder and lockout. */
    passwordGuard,
    /** Blacklist, network rules and unlock, for the admin API. */
    admin: createProtectionAdmin({ store, cache, clock, events, access, ladder, lockout, blockKey }),
  };
}
export type ProtectionService = ReturnType<typeof createProtectionService>;
