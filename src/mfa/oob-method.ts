import type { UserRow } from '../accounts/store.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { MfaLimits } from './limits.js';
import type { OobChannel, OobCodes } from './oob-codes.js';
import type { MfaMethodRow, MfaStore } from './store.js';

/** Sends one code to where a method points (the user's mailbox, a phone). Rejects on failure. */
export type Deliver = (user: UserRow, method: MfaMethodRow, code: string) => Promise<void>;

/**
 * What email and SMS codes share: enrolment proves the channel with a code before the method
 * counts, and a login challenge sends a fresh code bound to the transaction. Every send is
 * counted against the daily limit first.
 */
export function createOobMethod(deps: {
  channel: OobChannel;
  store: MfaStore;
  codes: OobCodes;
  limits: MfaLimits;
  clock: Clock;
  deliver: Deliver;
}) {
  const { channel, store, codes, limits, clock } = deps;

  async function send(user: UserRow, method: MfaMethodRow, transactionId: string | null): Promise<void> {
    await limits.countSend(user.id);
    const code = await codes.issue({ userId: user.id, channel, transactionId, methodId: method.id });
    await deps.deliver(user, method, code);
  }

  return {
    channel,
    codeTtlSeconds: codes.ttlSeconds,

    /** Creates a pending method (replacing earlier pending ones) and sends its confirmation code. */
    async startEnrolment(user: UserRow, fields: { name?: string | null; phone_number?: string | null }): Promise<MfaMethodRow> {
      await store.removePending(user.id, channel);
      const now = clock.now();
      const method = await store.insert({
        id: newId(now),
        user_id: user.id,
        type: channel,
        name: fields.name ?? null,
        secret_envelope: null,
        phone_number: fields.phone_number ?? null,
        last_used_step: null,
        confirmed_at: null,
        created_at: now,
        last_used_at: null,
      });
      await send(user, method, null);
      return method;
    },

    /** Confirms a pending method with its code; null when the code (or the method) is not right. */
    async confirm(userId: string, methodId: string, code: string): Promise<MfaMethodRow | null> {
      const ok = await codes.check({ userId, channel, transactionId: null, methodId }, code);
      if (!ok) return null;
      return (await store.confirm(userId, methodId, clock.now())) ?? null;
    },

    /** Sends a login code for a transaction to a confirmed method. */
    sendForLogin: (user: UserRow, method: MfaMethodRow, transactionId: string) => send(user, method, transactionId),

    /** Checks a login code of a transaction; the method id it was sent to, or null. */
    async checkForLogin(userId: string, transactionId: string, code: string): Promise<string | null> {
      const hit = await codes.check({ userId, channel, transactionId }, code);
      if (!hit) return null;
      await store.markUsed(hit.methodId, clock.now());
      return hit.methodId;
    },
  };
}
export type OobMethod = ReturnType<typeof createOobMethod>;
