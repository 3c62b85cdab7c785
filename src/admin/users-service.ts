import type { AccountDeps, RequestOrigin } from '../accounts/deps.js';
import { normalizeEmail } from '../accounts/email.js';
import type { Actor } from '../accounts/invitations.js';
import { isUniqueViolation, newUserRow } from '../accounts/new-user.js';
import type { PasswordFlows } from '../accounts/password-flows.js';
import type { Role, UserStatus } from '../accounts/roles.js';
import { mergeProfile } from '../accounts/self-service.js';
import type { UserListQuery, UserRow } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import type { EventType } from '../events/catalogue.js';

export interface AdminCreateInput {
  email: string;
  name: string;
  password?: string;
  role?: Role;
  status?: UserStatus;
  email_verified?: boolean;
  attributes?: Record<string, unknown>;
  [profileClaim: string]: unknown;
}

/** An admin edit. There is deliberately no password here: admins send a reset instead. */
export interface AdminUpdateInput {
  email?: string;
  name?: string;
  role?: Role;
  status?: UserStatus;
  email_verified?: boolean;
  attributes?: Record<string, unknown>;
  [profileClaim: string]: unknown;
}

export type BulkAction = 'activate' | 'deactivate' | 'delete';
export interface BulkResult {
  id: string;
  ok: boolean;
  code?: string;
}

const noSuperuserGrant = () => new AppError('forbidden', { detail: 'The superuser role is granted only by the gatehouse CLI' });

/**
 * The admin users API rules. Staff manage users but never themselves and never superusers; no
 * one grants the superuser role here; the last active superuser can be neither demoted, disabled
 * nor deleted. Disabling or deleting a user ends all their sessions at once.
 */
export function createAdminUsers(
  deps: Pick<AccountDeps, 'users' | 'hasher' | 'policy' | 'sessions' | 'events' | 'mailer' | 'clock' | 'config'> & { passwords: PasswordFlows },
) {
  const { users, hasher, policy, sessions, events, mailer, clock } = deps;

  /**
   * Records what an admin did: the specific event, plus one `admin_action` per operation (the
   * audit trail of admin work) unless `action` is omitted (a side effect of a logged operation).
   */
  function audit(type: EventType, actor: Actor, target: string, origin: RequestOrigin, data: Record<string, unknown>, action?: string): void {
    const base = { actor_id: actor.id, target_id: target, ip: origin.ip, user_agent: origin.userAgent };
    events.emit(type, { ...base, data });
    if (action) events.emit('admin_action', { ...base, data: { action: `user.${action}`, ...data } });
  }

  async function target(actor: Actor, id: string): Promise<UserRow> {
    const user = await users.findById(id);
    if (!user) throw new AppError('not_found');
    if (actor.role !== 'superuser' && (user.id === actor.id || user.role === 'superuser')) {
      throw new AppError('forbidden', { detail: user.id === actor.id ? 'Staff cannot change their own account here' : 'Staff cannot change a superuser' });
    }
    return user;
  }

  /** Refuses a change that would leave no active superuser. */
  async function keepOneSuperuser(user: UserRow, leaving: boolean): Promise<void> {
    if (leaving && user.role === 'superuser' && user.status !== 'disabled' && (await users.countActiveSuperusers()) <= 1) {
      throw new AppError('last_superuser');
    }
  }

  async function remove(actor: Actor, id: string, origin: RequestOrigin): Promise<void> {
    const user = await target(actor, id);
    await keepOneSuperuser(user, true);
    // Revoke before the row goes (its sessions cascade), so every instance's cache learns of it now.
    await sessions.revokeAllForUser(user.id, { reason: 'user_deleted', actorId: actor.id, ip: origin.ip });
    // The check above is fast; this one is race-safe (two superusers deleting each other at once).
    const outcome = await users.deleteKeepingASuperuser(user.id);
    if (outcome === 'last_superuser') throw new AppError('last_superuser');
    if (outcome === 'not_found') throw new AppError('not_found');
    audit('user_deleted', actor, user.id, origin, {}, 'delete');
  }

  async function update(actor: Actor, id: string, patch: AdminUpdateInput, origin: RequestOrigin): Promise<UserRow> {
    const user = await target(actor, id);
    if (patch.role === 'superuser' && user.role !== 'superuser') throw noSuperuserGrant();
    const demoted = patch.role !== undefined && patch.role !== user.role;
    const disabling = patch.status === 'disabled' && user.status !== 'disabled';
    await keepOneSuperuser(user, demoted || disabling);
    const now = clock.now();
    const email = patch.email?.trim();
    const emailChanged = email !== undefined && normalizeEmail(email) !== user.email_normalized;
    let verifiedAt = user.email_verified_at;
    if (emailChanged) verifiedAt = null;
    if (patch.email_verified !== undefined) verifiedAt = patch.email_verified ? (verifiedAt ?? now) : null;
    let updated: UserRow | undefined;
    try {
      updated = await users.update(user.id, {
        ...(email !== undefined ? { email, email_normalized: normalizeEmail(email) } : {}),
        ...(patch.name?.trim() ? { name: patch.name.trim() } : {}),
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.attributes !== undefined ? { attributes: JSON.stringify(patch.attributes) } : {}),
        profile: mergeProfile(user.profile, patch),
        email_verified_at: verifiedAt,
        updated_at: now,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('email_taken');
      throw err;
    }
    if (!updated) throw new AppError('not_found');
    if (disabling) {
      await sessions.revokeAllForUser(user.id, { reason: 'user_disabled', actorId: actor.id, ip: origin.ip });
      audit('user_disabled', actor, user.id, origin, {});
    } else if (patch.status === 'active' && user.status !== 'active') {
      audit('user_enabled', actor, user.id, origin, {});
    }
    audit('user_updated', actor, user.id, origin, { fields: Object.keys(patch) }, 'update');
    return updated;
  }

  return {
    /** The caller as an Actor (the guard already checked the role is staff or superuser). */
    async actor(userId: string): Promise<Actor> {
      const user = await users.findById(userId);
      if (!user || user.status !== 'active') throw new AppError('unauthorized');
      return { id: user.id, role: user.role, name: user.name };
    },

    list: (query: UserListQuery) => users.list(query),

    async get(id: string): Promise<UserRow> {
      const user = await users.findById(id);
      if (!user) throw new AppError('not_found');
      return user;
    },

    /** Creates a user; with no password given, a one-time setup link is mailed. */
    async create(actor: Actor, input: AdminCreateInput, origin: RequestOrigin): Promise<UserRow> {
      const role = input.role ?? 'user';
      if (role === 'superuser') throw noSuperuserGrant();
      if (input.password !== undefined) await policy.enforce(input.password, { email: input.email, name: input.name });
      const passwordHash = input.password !== undefined ? await hasher.hash(input.password) : null;
      const now = clock.now();
      let user: UserRow;
      try {
        user = await users.insert(
          newUserRow(
            {
              email: input.email,
              name: input.name,
              role,
              status: input.status ?? 'active',
              passwordHash,
              emailVerifiedAt: input.email_verified ? now : null,
              profile: JSON.parse(mergeProfile('{}', input)) as Record<string, unknown>,
              attributes: input.attributes,
            },
            now,
          ),
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('email_taken');
        throw err;
      }
      audit('user_created', actor, user.id, origin, { via: 'admin', role, status: user.status }, 'create');
      if (!passwordHash) {
        const link = await deps.passwords.mintLink(user, 'setup', origin.ip);
        mailer.sendInBackground({ template: 'admin_setup', to: user.email, vars: { name: user.name, link } });
      }
      return user;
    },

    update,
    remove,

    /** Mails the user a reset link (admins never set an existing user's password). */
    async sendReset(actor: Actor, id: string, origin: RequestOrigin): Promise<void> {
      const user = await target(actor, id);
      if (user.status === 'disabled') throw new AppError('conflict', { detail: 'The user is disabled' });
      const link = await deps.passwords.mintLink(user, 'reset', origin.ip);
      audit('password_reset_requested', actor, user.id, origin, {}, 'password_reset');
      mailer.sendInBackground({
        template: 'password_reset',
        to: user.email,
        vars: { name: user.name, link, expires_in_minutes: Math.round(deps.config.accounts.reset_ttl / 60) },
      });
    },

    /** Applies one action to many users; each id gets its own outcome. */
    async bulk(actor: Actor, ids: string[], action: BulkAction, origin: RequestOrigin): Promise<BulkResult[]> {
      const results: BulkResult[] = [];
      for (const id of [...new Set(ids)]) {
        try {
          if (action === 'delete') await remove(actor, id, origin);
          else await update(actor, id, { status: action === 'activate' ? 'active' : 'disabled' }, origin);
          results.push({ id, ok: true });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          results.push({ id, ok: false, code: err.code });
        }
      }
      return results;
    },
  };
}
export type AdminUsers = ReturnType<typeof createAdminUsers>;
