import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { UserRow } from '../accounts/store.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { AuthContext } from '../http/auth.js';
import type { LoginContext, LoginService } from '../login/service.js';
import type { SessionService } from '../sessions/service.js';
import type { Clock } from '../shared/clock.js';
import type { TrustedDevices } from './devices/service.js';
import type { MfaLimits } from './limits.js';
import type { Passkeys } from './passkeys/service.js';
import type { RecoveryCodes } from './recovery-codes/service.js';
import { PRIMARY_TYPES, uniq, type FinishedLogin, type MfaService } from './service.js';
import type { MfaMethodRow, MfaStore } from './store.js';
import type { MfaTransactionRow, MfaTransactions } from './transactions.js';

/** Who calls a self-service endpoint: a signed-in session, or a login waiting for its first method. */
export interface MfaCaller {
  userId: string;
  auth: AuthContext | null;
  enrollment: MfaTransactionRow | null;
}

/** What adding a method answers: the method and, for an enrolment login, the finished login. */
export interface Added {
  method: MfaMethodRow;
  login?: FinishedLogin;
}

/**
 * Self-service MFA (and the admin reset): adding a method is re-authenticated (a recent login,
 * or the password) and, once proven, ends the user's other sessions; an enrolment login
 * (mfa_enrollment_required) completes when its first method is confirmed. Removing needs the
 * password. Every change is a security event.
 */
export function createMfaEnrolment(deps: {
  store: MfaStore;
  mfa: MfaService;
  passkeys: Passkeys;
  recovery: RecoveryCodes;
  devices: TrustedDevices;
  transactions: MfaTransactions;
  limits: MfaLimits;
  login: LoginService;
  sessions: SessionService;
  hasher: PasswordHasher;
  events: EventService;
  clock: Clock;
  reauthMaxAgeSeconds: number;
}) {
  const { store, mfa, transactions, login, sessions, events, clock } = deps;

  async function userOf(caller: MfaCaller): Promise<UserRow> {
    const user = await mfa.activeUser(caller.userId).catch(() => undefined);
    if (!user) throw new AppError('unauthorized');
    return user;
  }

  /** Fresh authentication: an enrolment login, a login within reauth_max_age, or the password now. */
  async function assertFresh(caller: MfaCaller, user: UserRow, password?: string): Promise<void> {
    if (caller.enrollment) return;
    if (password !== undefined) {
      if (await deps.hasher.verify(user.password_hash, password)) return;
      throw new AppError('reauth_required', { detail: 'The password is not correct' });
    }
    if (caller.auth && clock.now() - caller.auth.authTime <= deps.reauthMaxAgeSeconds * 1000) return;
    throw new AppError('reauth_required', { detail: 'Log in again or send your password to change second factors' });
  }

  /** Removal always needs the password (when the user has one), whatever the session's age. */
  async function assertPassword(caller: MfaCaller, user: UserRow, password: string | undefined): Promise<void> {
    if (!caller.auth) throw new AppError('unauthorized');
    if (user.password_hash === null) return assertFresh(caller, user);
    if (password === undefined || !(await deps.hasher.verify(user.password_hash, password))) {
      throw new AppError('reauth_required', { detail: 'The password is not correct' });
    }
  }

  /** After a method is proven: record it, end other sessions, or finish an enrolment login. */
  async function added(caller: MfaCaller, user: UserRow, method: MfaMethodRow, factorAmr: string, ctx: LoginContext): Promise<Added> {
    events.emit('mfa_enrolled', {
      actor_id: user.id,
      target_id: user.id,
      ip: ctx.ip,
      user_agent: ctx.userAgent,
      data: { method_id: method.id, type: method.type },
    });
    const tx = caller.enrollment;
    if (!tx) {
      // Checklist row 30: an MFA change ends the user's other sessions by default.
      await sessions.revokeAllForUser(user.id, { reason: 'mfa_changed', exceptSessionId: caller.auth?.sessionId, ip: ctx.ip });
      return { method };
    }
    if (!(await transactions.consume(tx.id))) throw new AppError('invalid_token');
    const rememberMe = tx.remember_me === 1;
    const amr = uniq([...(JSON.parse(tx.amr) as string[]), factorAmr, 'mfa']);
    const completed = await login.complete(user, { mode: tx.mode, amr, rememberMe, ...ctx });
    return { method, login: { completed, mode: tx.mode, rememberMe } };
  }

  /** Confirms with a code, counting a wrong one like a failed second factor. */
  async function confirmWith(
    caller: MfaCaller,
    type: 'totp' | 'email' | 'sms',
    confirm: (userId: string) => Promise<MfaMethodRow | null>,
    ctx: LoginContext,
  ): Promise<Added> {
    const user = await userOf(caller);
    await deps.limits.assertNotLocked(user.id);
    const method = await confirm(user.id);
    if (!method) return mfa.failed(user, type, 'enrol', ctx);
    await deps.limits.recordSuccess(user.id);
    return added(caller, user, method, type === 'totp' ? 'otp' : type, ctx);
  }

  async function removeRow(caller: MfaCaller, user: UserRow, row: MfaMethodRow, ctx: LoginContext): Promise<void> {
    await store.remove(user.id, row.id);
    const left = (await store.listConfirmed(user.id)).filter((m) => PRIMARY_TYPES.includes(m.type));
    // Recovery codes stand in for a factor; with none left they would be a factor of their own.
    if (left.length === 0) await store.removeOfType(user.id, 'recovery_code');
    events.emit('mfa_removed', {
      actor_id: user.id,
      target_id: user.id,
      ip: ctx.ip,
      user_agent: ctx.userAgent,
      data: { method_id: row.id, type: row.type },
    });
    await sessions.revokeAllForUser(user.id, { reason: 'mfa_changed', exceptSessionId: caller.auth?.sessionId, ip: ctx.ip });
  }

  return {
    userOf,
    assertFresh,
    added,
    confirmWith,

    /** Confirmed methods, with unused recovery codes counted. */
    async list(userId: string): Promise<Array<MfaMethodRow & { remaining?: number }>> {
      const rows = await store.listConfirmed(userId);
      const remaining = rows.some((r) => r.type === 'recovery_code') ? await deps.recovery.remaining(userId) : 0;
      return rows.map((r) => (r.type === 'recovery_code' ? { ...r, remaining } : r));
    },

    /** A new recovery-code set (the old one is revoked); only for users who have a second factor. */
    async regenerateRecoveryCodes(caller: MfaCaller, password: string | undefined, ctx: LoginContext): Promise<string[]> {
      const user = await userOf(caller);
      await assertFresh(caller, user, password);
      const types = await mfa.availableTypes(user.id);
      if (!types.some((t) => PRIMARY_TYPES.includes(t))) {
        throw new AppError('rule_failed', { detail: 'Set up a second factor before making recovery codes' });
      }
      const { methodId, codes } = await deps.recovery.regenerate(user.id);
      events.emit('recovery_codes_regenerated', {
        actor_id: user.id,
        target_id: user.id,
        ip: ctx.ip,
        user_agent: ctx.userAgent,
        data: { method_id: methodId, count: codes.length },
      });
      return codes;
    },

    /** Removes one method after checking the password. */
    async remove(caller: MfaCaller, methodId: string, password: string | undefined, ctx: LoginContext, onlyType?: 'passkey'): Promise<void> {
      const user = await userOf(caller);
      await assertPassword(caller, user, password);
      const row = await store.findForUser(user.id, methodId);
      if (!row || (onlyType && row.type !== onlyType)) throw new AppError('not_found');
      await removeRow(caller, user, row, ctx);
    },

    async registerPasskey(caller: MfaCaller, name: string, response: RegistrationResponseJSON, ctx: LoginContext): Promise<Added> {
      const user = await userOf(caller);
      const passkey = await deps.passkeys.register(user, name, response);
      const method = (await store.findForUser(user.id, passkey.method_id))!;
      return added(caller, user, method, passkey.backed_up ? 'swk' : 'hwk', ctx);
    },

    /** Admin: removes every method, trusted device and pending login of a user, ends their sessions. */
    async adminReset(targetId: string, actor: { id: string } & LoginContext): Promise<number> {
      const removed = await store.removeAllForUser(targetId);
      await transactions.endAllForUser(targetId);
      await deps.devices.revokeAll(targetId, 'mfa_reset', { actorId: actor.id, ip: actor.ip, userAgent: actor.userAgent });
      await deps.limits.clear(targetId);
      events.emit('mfa_reset', {
        actor_id: actor.id,
        target_id: targetId,
        ip: actor.ip,
        user_agent: actor.userAgent,
        data: { removed: removed.map((m) => ({ method_id: m.id, type: m.type })) },
      });
      await sessions.revokeAllForUser(targetId, { reason: 'mfa_reset', actorId: actor.id, ip: actor.ip });
      return removed.length;
    },
  };
}
export type MfaEnrolment = ReturnType<typeof createMfaEnrolment>;
