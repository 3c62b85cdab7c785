import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Role } from '../accounts/roles.js';
import type { UserRow, UserStore } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { CompletedLogin, GateDecision, LoginAttempt, LoginContext, LoginMode, LoginService, MfaGate } from '../login/service.js';
import type { TrustedDevices } from './devices/service.js';
import { maskEmail, type EmailOtp } from './email-otp/service.js';
import type { MfaLimits } from './limits.js';
import type { OobMethod } from './oob-method.js';
import type { Passkeys } from './passkeys/service.js';
import type { RecoveryCodes } from './recovery-codes/service.js';
import { maskPhone } from './sms/phone.js';
import type { SmsOtp } from './sms/service.js';
import type { MfaStore } from './store.js';
import type { MfaMethodType } from './tables.js';
import type { ProtectionService } from '../protection/service.js';
import type { Totp } from './totp/service.js';
import type { MfaTransactionRow, MfaTransactions } from './transactions.js';

/** Methods that make a user "have MFA"; recovery codes only stand in for a lost one. */
export const PRIMARY_TYPES: readonly MfaMethodType[] = ['totp', 'email', 'sms', 'passkey'];

/** The second-step input of a login. */
export interface VerifyInput {
  method: MfaMethodType;
  code?: string;
  // The WebAuthn assertion, checked by the library.
  response?: unknown;
  trustDevice?: boolean;
}

/** A login finished by the second step, in the mode the first step asked for. */
export interface FinishedLogin {
  completed: CompletedLogin;
  mode: LoginMode;
  rememberMe: boolean;
  /** A new trusted-device cookie value to set, when asked for. */
  deviceCookie?: string;
}

export type ChallengeResult =
  | { kind: 'sent'; method: 'email' | 'sms'; destination: string; expiresIn: number }
  | { kind: 'passkey'; options: PublicKeyCredentialRequestOptionsJSON };

export const uniq = (xs: string[]) => [...new Set(xs)];

const missing = (field: string) =>
  new AppError('validation_failed', { errors: [{ code: 'required', message: `${field} is required for this method`, field: `body.${field}` }] });

/**
 * The login side of MFA: the gate every first factor passes through, the challenge (send a
 * code, or WebAuthn options) and the verification that finishes the login. Failures are
 * recorded (event + login-attempt log) and counted toward the per-user lock; success is
 * recorded only by completing the login.
 */
export function createMfaService(deps: {
  store: MfaStore;
  transactions: MfaTransactions;
  limits: MfaLimits;
  totp: Totp;
  email: EmailOtp;
  sms: SmsOtp;
  recovery: RecoveryCodes;
  passkeys: Passkeys;
  devices: TrustedDevices;
  users: UserStore;
  login: LoginService;
  events: EventService;
  requiredRoles: readonly Role[];
  /** Feeds failures to the IP ladder and per-IP limits (src/protection). */
  protection?: Pick<ProtectionService, 'recordFailure' | 'recordSuccess'>;
}) {
  const { store, transactions, limits, devices, users, login, events } = deps;
  const oob: Record<'email' | 'sms', OobMethod> = { email: deps.email, sms: deps.sms };

  /** The method types a user can use at login now: confirmed methods, recovery codes if any left. */
  async function availableTypes(userId: string): Promise<MfaMethodType[]> {
    const types = new Set((await store.listConfirmed(userId)).map((m) => m.type));
    const out = PRIMARY_TYPES.filter((t) => types.has(t));
    if (out.length && types.has('recovery_code') && (await deps.recovery.remaining(userId)) > 0) out.push('recovery_code');
    return out;
  }

  async function activeUser(userId: string): Promise<UserRow> {
    const user = await users.findById(userId);
    if (!user || user.status !== 'active') throw new AppError('invalid_token');
    return user;
  }

  /** Records a failed second factor; throws 429 at the lock threshold, else 401 mfa_invalid. */
  async function failed(user: UserRow, method: string, stage: 'login' | 'enrol', ctx: LoginContext): Promise<never> {
    events.emit('mfa_failed', { actor_id: user.id, target_id: user.id, ip: ctx.ip, user_agent: ctx.userAgent, data: { method, stage } });
    if (stage === 'login') login.recordSecondFactorFailure(user, `mfa_${method}_invalid`, ctx);
    await deps.protection?.recordFailure('mfa_verify', { ip: ctx.ip, userAgent: ctx.userAgent, account: user.id });
    await limits.recordFailure(user.id, ctx);
    throw new AppError('mfa_invalid');
  }

  /** Checks one factor for a transaction; the amr it earns, or null. */
  async function checkFactor(tx: MfaTransactionRow, user: UserRow, input: VerifyInput): Promise<string | null> {
    switch (input.method) {
      case 'totp':
        if (!input.code) throw missing('code');
        return (await deps.totp.check(user.id, input.code)) ? 'otp' : null;
      case 'email':
      case 'sms':
        if (!input.code) throw missing('code');
        return (await oob[input.method].checkForLogin(user.id, tx.id, input.code)) ? input.method : null;
      case 'recovery_code':
        if (!input.code) throw missing('code');
        return (await deps.recovery.consume(user.id, input.code)) ? 'otp' : null;
      case 'passkey': {
        if (!input.response || typeof input.response !== 'object') throw missing('response');
        const a = await deps.passkeys.verifyAssertion(input.response as never, { purpose: 'mfa', transactionId: tx.id, userId: user.id });
        return a?.amr ?? null;
      }
    }
  }

  const gate: MfaGate = {
    async check(user: UserRow, attempt: LoginAttempt): Promise<GateDecision> {
      const types = await availableTypes(user.id);
      const start = (kind: 'mfa' | 'enrollment') =>
        transactions.start({
          userId: user.id,
          kind,
          mode: attempt.mode,
          rememberMe: attempt.rememberMe,
          ip: attempt.ip,
          userAgent: attempt.userAgent,
          amr: attempt.amr ?? ['pwd'],
        });
      if (types.length === 0) {
        if (!deps.requiredRoles.includes(user.role)) return { kind: 'pass' };
        return { kind: 'mfa_enrollment_required', mfa_token: (await start('enrollment')).token };
      }
      if (attempt.deviceCookie && (await devices.isTrusted(attempt.deviceCookie, user.id, attempt.userAgent))) return { kind: 'pass' };
      return { kind: 'mfa_required', mfa_token: (await start('mfa')).token, methods: types };
    },
  };

  return {
    gate,
    availableTypes,
    failed,
    activeUser,

    /** Sends an email/SMS code for a login, or answers WebAuthn request options for a passkey. */
    async challenge(token: string, method: MfaMethodType, methodId: string | undefined, ctx: LoginContext): Promise<ChallengeResult> {
      const tx = await transactions.resolve(token, 'mfa', ctx.userAgent);
      const user = await activeUser(tx.user_id);
      await limits.assertNotLocked(user.id);
      if (method === 'email' || method === 'sms') {
        const methods = await store.listConfirmedOfType(user.id, method);
        const target = methodId ? methods.find((m) => m.id === methodId) : methods[0];
        if (!target) throw new AppError('mfa_method_unavailable');
        await oob[method].sendForLogin(user, target, tx.id);
        const destination = method === 'email' ? maskEmail(user.email) : maskPhone(target.phone_number!);
        return { kind: 'sent', method, destination, expiresIn: oob[method].codeTtlSeconds };
      }
      if (method === 'passkey' && (await availableTypes(user.id)).includes('passkey')) {
        return { kind: 'passkey', options: await deps.passkeys.mfaOptions(user.id, tx.id) };
      }
      throw new AppError('mfa_method_unavailable', { detail: `Nothing to send for ${method}` });
    },

    /**
     * Verifies the second factor and finishes the login: the transaction is consumed (one
     * conditional UPDATE), the session starts with amr = first factor + this one + mfa.
     */
    async verify(token: string, input: VerifyInput, ctx: LoginContext): Promise<FinishedLogin> {
      const tx = await transactions.resolve(token, 'mfa', ctx.userAgent);
      const user = await activeUser(tx.user_id);
      await limits.assertNotLocked(user.id);
      if (!(await availableTypes(user.id)).includes(input.method)) throw new AppError('mfa_method_unavailable');
      const factor = await checkFactor(tx, user, input);
      if (!factor) return failed(user, input.method, 'login', ctx);
      await limits.recordSuccess(user.id);
      await deps.protection?.recordSuccess('mfa_verify', { ip: ctx.ip, account: user.id });
      if (!(await transactions.consume(tx.id))) throw new AppError('invalid_token');
      const rememberMe = tx.remember_me === 1;
      const amr = uniq([...(JSON.parse(tx.amr) as string[]), factor, 'mfa']);
      const completed = await login.complete(user, { mode: tx.mode, amr, rememberMe, ...ctx });
      const deviceCookie = input.trustDevice ? await devices.trust(user.id, ctx) : undefined;
      return { completed, mode: tx.mode, rememberMe, deviceCookie };
    },
  };
}
export type MfaService = ReturnType<typeof createMfaService>;
