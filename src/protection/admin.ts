import type { Cache } from '../cache/index.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { rulesAllow, type AccessList, type Rule, type RuleScope } from './access-list.js';
import { contains, parseCidr, parseIp, type Cidr } from './cidr.js';
import type { Ladder } from './ladder.js';
import type { Lockout } from './lockout.js';
import type { BlacklistRow, NetworkRuleRow, ProtectionStore } from './store.js';

/** The admin doing something, and where from (for the self-lockout check and the event). */
export interface Actor {
  id: string;
  ip: string | null;
}

export interface RuleInput {
  action: 'allow' | 'deny';
  cidr: string;
  scope: RuleScope;
}

function cidrOrThrow(text: string, field: string): Cidr {
  const c = parseCidr(text);
  if ('error' in c) {
    throw new AppError('validation_failed', { detail: `${field}: ${c.error}`, errors: [{ code: 'cidr', message: c.error, field }] });
  }
  return c;
}

/**
 * Blacklist, network rules and account unlock. A change is written to the database, applied to
 * this instance's snapshot and announced to the others. Admins are kept from cutting off their
 * own address (see `self_lockout`); anything else they can still do to themselves from elsewhere
 * is undone with `gatehouse protection reset`, which works on the database directly.
 */
export function createProtectionAdmin(deps: {
  store: ProtectionStore;
  cache: Cache;
  clock: Clock;
  events: EventService;
  access: AccessList;
  ladder: Ladder;
  lockout: Lockout;
  blockKey: (ip: string) => string;
}) {
  const { store, clock, events, access } = deps;

  return {
    listBlacklist: (page: number, pageSize: number) => store.pageBlacklist(clock.now(), page, pageSize),

    async addBlacklist(input: { cidr: string; reason?: string | null; expiresAt?: number | null }, actor: Actor): Promise<BlacklistRow> {
      const cidr = cidrOrThrow(input.cidr, 'body.cidr');
      const now = clock.now();
      if (input.expiresAt != null && input.expiresAt <= now) {
        throw new AppError('validation_failed', {
          detail: 'expires_at must lie in the future',
          errors: [{ code: 'past', message: 'must lie in the future', field: 'body.expires_at' }],
        });
      }
      const self = actor.ip ? parseIp(actor.ip) : null;
      if (self && contains(cidr, self)) {
        throw new AppError('self_lockout', { detail: `${cidr.text} contains your own address ${self.text}` });
      }
      if (await store.findLive(cidr.text, 'manual', now)) {
        throw new AppError('conflict', { detail: `${cidr.text} is already on the blacklist` });
      }
      const row = await store.insertBlacklist({
        id: newId(now),
        cidr: cidr.text,
        reason: input.reason ?? null,
        source: 'manual',
        created_by: actor.id,
        created_at: now,
        expires_at: input.expiresAt ?? null,
      });
      await access.changed();
      events.emit('ip_blacklisted', {
        actor_id: actor.id,
        ip: actor.ip,
        data: { source: 'manual', id: row.id, cidr: row.cidr, reason: row.reason, expires_at: row.expires_at === null ? null : new Date(row.expires_at).toISOString() },
      });
      return row;
    },

    /** Removes an entry; lifting an automatic block also forgets that IP's ladder count. */
    async removeBlacklist(id: string, actor: Actor): Promise<void> {
      const row = await store.deleteBlacklist(id);
      if (!row) throw new AppError('not_found');
      if (row.source === 'auto') await Promise.all([deps.ladder.reset(row.cidr), deps.cache.delete(deps.blockKey(row.cidr))]);
      await access.changed();
      events.emit('admin_action', {
        actor_id: actor.id,
        ip: actor.ip,
        data: { action: 'blacklist_removed', id: row.id, cidr: row.cidr, source: row.source },
      });
    },

    rules: (): Promise<NetworkRuleRow[]> => store.rules(),

    /** Replaces every rule; refuses a list that would deny the caller's own admin access. */
    async replaceRules(input: RuleInput[], actor: Actor): Promise<NetworkRuleRow[]> {
      const parsed: Rule[] = input.map((r, i) => ({ action: r.action, scope: r.scope, cidr: cidrOrThrow(r.cidr, `body.rules.${i}.cidr`) }));
      const self = actor.ip ? parseIp(actor.ip) : null;
      if (self && !rulesAllow(parsed, self, 'admin')) {
        throw new AppError('self_lockout', { detail: `these rules would deny the admin API to your own address ${self.text}` });
      }
      await store.replaceRules(parsed.map((r) => ({ action: r.action, scope: r.scope, cidr: r.cidr.text })));
      await access.changed();
      events.emit('admin_action', {
        actor_id: actor.id,
        ip: actor.ip,
        data: { action: 'network_rules_replaced', rules: parsed.map((r) => `${r.action} ${r.cidr.text} ${r.scope}`) },
      });
      return store.rules();
    },

    unlock: (userId: string, actor: Actor) => deps.lockout.unlock(userId, actor),
    lockoutStatus: (userId: string) => deps.lockout.status(userId),
  };
}
export type ProtectionAdmin = ReturnType<typeof createProtectionAdmin>;
