import { AppError } from '../errors/app-error.js';
import type { AccountDeps, RequestOrigin } from './deps.js';
import { pickProfile } from './profile.js';
import type { UserRow } from './store.js';

/** A profile change: the name and any OIDC profile claim; an empty string removes a claim. */
export type ProfilePatch = { name?: string } & Record<string, unknown>;

/** Merges profile claims into the stored JSON; empty strings remove them. */
export function mergeProfile(stored: string, patch: Record<string, unknown>): string {
  const profile = JSON.parse(stored) as Record<string, unknown>;
  for (const [k, v] of Object.entries(pickProfile(patch))) {
    if (v === '') delete profile[k];
    else profile[k] = v;
  }
  return JSON.stringify(profile);
}

/** The signed-in user's own account: read, edit the profile, delete (with the password). */
export function createSelfService(deps: Pick<AccountDeps, 'users' | 'hasher' | 'sessions' | 'events' | 'clock'>) {
  const { users, hasher, sessions, events, clock } = deps;

  async function activeUser(userId: string): Promise<UserRow> {
    const user = await users.findById(userId);
    if (!user || user.status !== 'active') throw new AppError('unauthorized');
    return user;
  }

  return {
    get: activeUser,

    async updateProfile(userId: string, patch: ProfilePatch, origin: RequestOrigin): Promise<UserRow> {
      const user = await activeUser(userId);
      const name = patch.name?.trim();
      const updated = await users.update(user.id, {
        ...(name ? { name } : {}),
        profile: mergeProfile(user.profile, patch),
        updated_at: clock.now(),
      });
      events.emit('user_updated', {
        actor_id: user.id,
        target_id: user.id,
        ip: origin.ip,
        user_agent: origin.userAgent,
        data: { fields: Object.keys(patch) },
      });
      return updated ?? user;
    },

    /** DELETE /me: re-authenticates with the password; the last superuser cannot leave. */
    async deleteSelf(userId: string, password: string, origin: RequestOrigin): Promise<void> {
      const user = await activeUser(userId);
      if (!(await hasher.verify(user.password_hash, password))) throw new AppError('wrong_password');
      if (user.role === 'superuser' && (await users.countActiveSuperusers()) <= 1) throw new AppError('last_superuser');
      // Revoke before the row goes (its sessions cascade), so every instance's cache learns of it now.
      await sessions.revokeAllForUser(user.id, { reason: 'user_deleted', ip: origin.ip });
      // Race-safe re-check and delete in one transaction.
      if ((await users.deleteKeepingASuperuser(user.id)) === 'last_superuser') throw new AppError('last_superuser');
      events.emit('user_deleted', { actor_id: user.id, target_id: user.id, ip: origin.ip, user_agent: origin.userAgent, data: { via: 'self' } });
    },
  };
}
export type SelfService = ReturnType<typeof createSelfService>;
