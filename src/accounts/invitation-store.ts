import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { InvitationTable } from './tables.js';

export type InvitationRow = Selectable<InvitationTable>;

/** Where an invitation stands, derived from its times. */
export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export function invitationStatus(row: InvitationRow, now: number): InvitationStatus {
  if (row.consumed_at !== null) return 'accepted';
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at <= now ? 'expired' : 'pending';
}

/** SQL for invitations. Accepting is one conditional UPDATE (single use, race-safe). */
export function createInvitationStore(db: Kysely<Database>) {
  return {
    async insert(row: Insertable<InvitationTable>): Promise<InvitationRow> {
      return db.insertInto('invitations').values(row).returningAll().executeTakeFirstOrThrow();
    },
    findById: (id: string) => db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst(),
    /** A pending invitation (read only: the policy check needs it before the link is spent). */
    findLiveByTokenHash: (tokenHash: string, now: number) =>
      db
        .selectFrom('invitations')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst(),
    consume: (tokenHash: string, now: number) =>
      db
        .updateTable('invitations')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst(),
    async setAcceptedUser(id: string, userId: string): Promise<void> {
      await db.updateTable('invitations').set({ user_id: userId }).where('id', '=', id).execute();
    },
    /** Revokes one pending invitation; returns it only if this call revoked it. */
    revoke: (id: string, now: number) =>
      db
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst(),
    /** Revokes every pending invitation to an address (a newer one replaces them). */
    async revokePendingFor(emailNormalized: string, now: number): Promise<void> {
      await db
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where('email_normalized', '=', emailNormalized)
        .where('consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .execute();
    },
    /** Newest first, with an optional status filter. */
    async list(opts: { status?: InvitationStatus; now: number; offset: number; limit: number }) {
      let q = db.selectFrom('invitations');
      const { now } = opts;
      if (opts.status === 'accepted') q = q.where('consumed_at', 'is not', null);
      if (opts.status === 'revoked') q = q.where('consumed_at', 'is', null).where('revoked_at', 'is not', null);
      if (opts.status === 'pending' || opts.status === 'expired') {
        q = q
          .where('consumed_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', opts.status === 'pending' ? '>' : '<=', now);
      }
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const items = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').offset(opts.offset).limit(opts.limit).execute();
      return { items, total: Number(total.n) };
    },
  };
}
export type InvitationStore = ReturnType<typeof createInvitationStore>;
