import { AppError } from '../errors/app-error.js';
import { newId } from '../shared/ids.js';
import type { AccountDeps, RequestOrigin } from './deps.js';
import { normalizeEmail } from './email.js';
import { invitationStatus, type InvitationRow, type InvitationStatus } from './invitation-store.js';
import { mintToken, tokenHash } from './links.js';
import { isUniqueViolation, newUserRow } from './new-user.js';
import type { Role } from './roles.js';
import type { UserRow } from './store.js';

/** Who is acting through the admin API. */
export interface Actor {
  id: string;
  role: Role;
  name: string;
}

export interface InviteInput {
  email: string;
  name?: string | null;
  role?: Role;
}

/**
 * Invitations: staff and superusers invite by email; the single-use link (7 days by default)
 * creates an active account when accepted. The superuser role is never granted this way: it
 * comes only from the CLI or the bootstrap.
 */
export function createInvitations(
  deps: Pick<AccountDeps, 'users' | 'invitations' | 'hasher' | 'policy' | 'events' | 'mailer' | 'clock' | 'urls' | 'config' | 'transaction'>,
) {
  const { users, invitations, hasher, policy, events, mailer, clock, urls, config } = deps;

  return {
    async invite(actor: Actor, input: InviteInput, origin: RequestOrigin): Promise<InvitationRow> {
      const role = input.role ?? 'user';
      if (role === 'superuser') {
        throw new AppError('forbidden', { detail: 'The superuser role is granted only by the gatehouse CLI' });
      }
      const email = input.email.trim();
      const normalized = normalizeEmail(email);
      if (await users.findByEmail(normalized)) throw new AppError('email_taken');
      const now = clock.now();
      // A new invitation replaces any still-open one to the same address.
      await invitations.revokePendingFor(normalized, now);
      const { token, hash } = mintToken();
      const row = await invitations.insert({
        id: newId(now),
        email,
        email_normalized: normalized,
        name: input.name?.trim() || null,
        role,
        token_hash: hash,
        invited_by: actor.id,
        user_id: null,
        created_at: now,
        expires_at: now + config.accounts.invitation_ttl * 1000,
        consumed_at: null,
        revoked_at: null,
      });
      const data = { invitation_id: row.id, role };
      events.emit('invitation_created', { actor_id: actor.id, ip: origin.ip, user_agent: origin.userAgent, data });
      events.emit('admin_action', { actor_id: actor.id, ip: origin.ip, user_agent: origin.userAgent, data: { action: 'invitation.create', ...data } });
      mailer.sendInBackground({
        template: 'invite',
        to: email,
        vars: { inviter_name: actor.name, link: urls.invite(token), expires_in_days: Math.round(config.accounts.invitation_ttl / 86400) },
      });
      return row;
    },

    list: (opts: { status?: InvitationStatus; offset: number; limit: number }) => invitations.list({ ...opts, now: clock.now() }),

    status: (row: InvitationRow) => invitationStatus(row, clock.now()),

    async revoke(actor: Actor, id: string, origin: RequestOrigin): Promise<void> {
      const row = await invitations.findById(id);
      if (!row) throw new AppError('not_found');
      if (!(await invitations.revoke(id, clock.now()))) {
        throw new AppError('conflict', { detail: 'The invitation was already accepted or revoked' });
      }
      events.emit('invitation_revoked', { actor_id: actor.id, ip: origin.ip, user_agent: origin.userAgent, data: { invitation_id: id } });
      events.emit('admin_action', {
        actor_id: actor.id,
        ip: origin.ip,
        user_agent: origin.userAgent,
        data: { action: 'invitation.revoke', invitation_id: id },
      });
    },

    /**
     * POST /auth/invitations/accept. The policy is checked before the link is spent; spending it
     * and creating the account happen in one transaction, so a failure leaves the link usable.
     */
    async accept(input: { token: string; name: string; password: string }, origin: RequestOrigin): Promise<UserRow> {
      const hash = tokenHash(input.token);
      const live = await invitations.findLiveByTokenHash(hash, clock.now());
      if (!live) throw new AppError('invalid_link');
      await policy.enforce(input.password, { email: live.email, name: input.name });
      const passwordHash = await hasher.hash(input.password);
      let result: { user: UserRow; invitation: InvitationRow };
      try {
        result = await deps.transaction(async (tx) => {
          const now = clock.now();
          const invitation = await tx.invitations.consume(hash, now);
          if (!invitation) throw new AppError('invalid_link');
          if (await tx.users.findByEmail(invitation.email_normalized)) throw new AppError('email_taken');
          const user = await tx.users.insert(
            newUserRow(
              // The invitation went to this address, so accepting it proves the address.
              { email: invitation.email, name: input.name, role: invitation.role, status: 'active', passwordHash, emailVerifiedAt: now },
              now,
            ),
          );
          await tx.invitations.setAcceptedUser(invitation.id, user.id);
          return { user, invitation };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('email_taken');
        throw err;
      }
      const { user, invitation } = result;
      events.emit('invitation_accepted', { actor_id: user.id, target_id: user.id, ip: origin.ip, user_agent: origin.userAgent, data: { invitation_id: invitation.id } });
      events.emit('user_created', {
        actor_id: invitation.invited_by,
        target_id: user.id,
        ip: origin.ip,
        user_agent: origin.userAgent,
        data: { via: 'invitation', role: user.role },
      });
      mailer.sendInBackground({ template: 'welcome', to: user.email, vars: { name: user.name, login_url: urls.home } });
      return user;
    },
  };
}
export type Invitations = ReturnType<typeof createInvitations>;
