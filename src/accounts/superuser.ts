import { AppError } from '../errors/app-error.js';
import type { AccountDeps } from './deps.js';
import { normalizeEmail } from './email.js';
import { isUniqueViolation, newUserRow } from './new-user.js';
import type { ResetLinks } from './reset-links.js';
import type { AccountSettingsStore } from './settings-store.js';
import type { UserRow } from './store.js';

const BOOTSTRAP_KEY = 'accounts.bootstrap_admin';

export interface SuperuserInput {
  email: string;
  name: string;
  /** Omitted: the account gets a one-time setup link instead. */
  password?: string;
}

/**
 * Superusers come from here only: `gatehouse admin create` and the start-up bootstrap. The
 * password policy applies to them too (no admin/admin on a fresh install).
 */
export function createSuperusers(
  deps: Pick<AccountDeps, 'users' | 'hasher' | 'policy' | 'events' | 'clock'> & { resetLinks: ResetLinks; settings: AccountSettingsStore },
) {
  const { users, hasher, policy, events, clock } = deps;

  async function create(input: SuperuserInput, via: 'cli' | 'bootstrap'): Promise<{ user: UserRow; setupLink?: string }> {
    if (input.password !== undefined) await policy.enforce(input.password, { email: input.email, name: input.name });
    if (await users.findByEmail(normalizeEmail(input.email))) throw new AppError('email_taken');
    const passwordHash = input.password !== undefined ? await hasher.hash(input.password) : null;
    const now = clock.now();
    const user = await users.insert(
      newUserRow({ email: input.email, name: input.name, role: 'superuser', status: 'active', passwordHash, emailVerifiedAt: now }, now),
    );
    events.emit('superuser_created', { actor_id: null, target_id: user.id, data: { via } });
    events.emit('user_created', { actor_id: null, target_id: user.id, data: { via, role: 'superuser' } });
    const setupLink = passwordHash ? undefined : await deps.resetLinks.mint(user, 'setup');
    return { user, setupLink };
  }

  return {
    create,

    /**
     * Idempotent start-up bootstrap: creates the superuser once per database. A marker in the
     * instance settings makes later starts create nothing, even after the admin changed address.
     * Returns lines for the operator (a setup link while the account still has no password).
     */
    async bootstrap(email: string | null, password: string | null): Promise<string[]> {
      if (!email) return [];
      const marked = await deps.settings.get(BOOTSTRAP_KEY);
      const existing = marked ? await users.findById(marked) : await users.findByEmail(normalizeEmail(email));
      if (marked || existing) {
        if (!marked && existing) await deps.settings.setOnce(BOOTSTRAP_KEY, existing.id, clock.now());
        if (existing && existing.password_hash === null && existing.role === 'superuser') {
          const link = await deps.resetLinks.mint(existing, 'setup');
          return [`bootstrap admin ${existing.email} has no password yet; one-time setup link: ${link}`];
        }
        return ['bootstrap admin: already done, nothing created'];
      }
      const name = email.slice(0, email.lastIndexOf('@')) || 'Administrator';
      let created: { user: UserRow; setupLink?: string };
      try {
        created = await create({ email, name, ...(password ? { password } : {}) }, 'bootstrap');
      } catch (err) {
        // Another instance starting at the same moment created it first.
        if (isUniqueViolation(err) || (err instanceof AppError && err.code === 'email_taken')) return ['bootstrap admin: already done, nothing created'];
        if (err instanceof AppError && err.code === 'password_policy') {
          const rules = (err.options.errors ?? []).map((e) => e.message).join(' ');
          throw new Error(`bootstrap_admin_password (GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD) does not meet the password policy: ${rules}`);
        }
        throw err;
      }
      await deps.settings.setOnce(BOOTSTRAP_KEY, created.user.id, clock.now());
      const lines = [`bootstrap admin: created superuser ${created.user.email}`];
      if (created.setupLink) lines.push(`one-time setup link for ${created.user.email}: ${created.setupLink}`);
      return lines;
    },
  };
}
export type Superusers = ReturnType<typeof createSuperusers>;
