import type { UserRow, UserStore } from '../accounts/store.js';
import { normalizeEmail } from '../accounts/email.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { SessionRow } from '../sessions/store.js';
import type { SessionService } from '../sessions/service.js';
import type { Clock } from '../shared/clock.js';

/** Where a login request came from. */
export interface LoginContext {
  ip: string | null;
  userAgent: string | null;
}

export type LoginMode = 'cookie' | 'token';

export interface CompletedLogin {
  user: UserRow;
  session: SessionRow;
  cookieSecret?: string;
}

/** What the first factor of a login asked for, handed to the MFA gate. */
export interface LoginAttempt extends LoginContext {
  mode: LoginMode;
  rememberMe: boolean;
  /** The `gatehouse_device` cookie, if the client sent one (trusted device). */
  deviceCookie?: string | null;
  /** amr of the first factor; default ['pwd']. */
  amr?: string[];
}

/** The MFA gate's verdict on a user who passed the first factor. */
export type GateDecision =
  | { kind: 'pass' }
  | { kind: 'mfa_required'; mfa_token: string; methods: string[] }
  | { kind: 'mfa_enrollment_required'; mfa_token: string };

/** Decides whether a login may complete now or needs a second factor (supplied by the mfa capability). */
export interface MfaGate {
  check(user: UserRow, attempt: LoginAttempt): Promise<GateDecision>;
}

/** What `afterPassword` answers: a completed login, or what the client must do next. */
export type AfterPassword = ({ kind: 'complete' } & CompletedLogin) | Exclude<GateDecision, { kind: 'pass' }>;

/** Reasons a password step fails; all answer the same 401 to the caller. */
export type LoginFailure = 'unknown_email' | 'wrong_password' | 'no_password' | 'disabled' | 'pending' | 'locked';

/**
 * Defences around the password step (supplied by src/protection): rate limits and the IP ladder
 * count failures, account lockout refuses a locked account — after the same hash work, with the
 * same 401 as a wrong password.
 */
export interface PasswordGuard {
  isLocked(user: UserRow): Promise<boolean>;
  failed(a: { email: string; user: UserRow | undefined; reason: LoginFailure } & LoginContext): Promise<void>;
  succeeded(a: { email: string; user: UserRow } & LoginContext): Promise<void>;
}

function failureReason(user: UserRow | undefined, passwordOk: boolean): LoginFailure | null {
  if (!user) return 'unknown_email';
  if (!user.password_hash) return 'no_password';
  if (!passwordOk) return 'wrong_password';
  if (user.status === 'disabled') return 'disabled';
  if (user.status === 'pending') return 'pending';
  return null;
}

/**
 * The password step and the completion of a login, shared by the cookie and token endpoints
 * (and later MFA verification and OIDC interactions). No HTTP here.
 */
export function createLoginService(deps: {
  users: UserStore;
  hasher: PasswordHasher;
  sessions: SessionService;
  events: EventService;
  clock: Clock;
  singleSessionDefault: boolean;
  /** Records every attempt (login-attempt log); supplied by the accounts capability. */
  recordAttempt?: (a: { email: string; userId: string | null; success: boolean; reason: string } & LoginContext) => void;
  guard?: PasswordGuard;
}) {
  const { users, hasher, sessions, events, clock } = deps;
  let mfaGate: MfaGate | undefined;

  function fail(email: string, user: UserRow | undefined, reason: LoginFailure, ctx: LoginContext): never {
    deps.recordAttempt?.({ email, userId: user?.id ?? null, success: false, reason, ...ctx });
    events.emit('login_failed', {
      actor_id: user?.id ?? null,
      target_id: user?.id ?? null,
      ip: ctx.ip,
      user_agent: ctx.userAgent,
      data: { reason, email },
    });
    throw new AppError('invalid_credentials');
  }

  /**
   * Records success and starts the session in the requested mode. Only for logins whose factors
   * are all proven (MFA verify, passkey); a first factor alone goes through `afterPassword`.
   */
  async function complete(
    user: UserRow,
    opts: { mode: LoginMode; amr: string[]; rememberMe: boolean } & LoginContext,
  ): Promise<CompletedLogin> {
    const single = user.single_session === null ? deps.singleSessionDefault : user.single_session === 1;
    const { session, cookieSecret } = await sessions.start({
      userId: user.id,
      kind: opts.mode,
      ip: opts.ip,
      userAgent: opts.userAgent,
      rememberMe: opts.rememberMe,
      amr: opts.amr,
      single,
    });
    const now = clock.now();
    const updated = (await users.update(user.id, { last_login_at: now })) ?? user;
    deps.recordAttempt?.({ email: user.email, userId: user.id, success: true, reason: 'ok', ip: opts.ip, userAgent: opts.userAgent });
    events.emit('login_succeeded', {
      actor_id: user.id,
      target_id: user.id,
      ip: opts.ip,
      user_agent: opts.userAgent,
      data: { mode: opts.mode, amr: opts.amr, session_id: session.id },
    });
    return { user: updated, session, cookieSecret };
  }

  return {
    /**
     * Checks email and password. Unknown email, wrong password, disabled and pending accounts all
     * fail the same way, and an unknown email still costs one argon2 verification (dummy hash).
     */
    async checkPassword(email: string, password: string, ctx: LoginContext): Promise<UserRow> {
      const user = await users.findByEmail(normalizeEmail(email));
      const ok = await hasher.verify(user?.password_hash ?? null, password);
      const reason = failureReason(user, ok) ?? (user && (await deps.guard?.isLocked(user)) ? 'locked' : null);
      if (!user?.password_hash || reason) {
        await deps.guard?.failed({ email, user, reason: reason ?? 'unknown_email', ...ctx });
        fail(email, user, reason ?? 'unknown_email', ctx);
      }
      await deps.guard?.succeeded({ email, user, ...ctx });
      if (hasher.needsRehash(user.password_hash)) {
        // Upgrade hashes made with older parameters now that we hold the plaintext.
        await users.update(user.id, { password_hash: await hasher.hash(password), updated_at: clock.now() });
      }
      return user;
    },

    /** Installs the MFA gate (the mfa capability is built after this service). */
    setMfaGate(gate: MfaGate): void {
      mfaGate = gate;
    },

    /**
     * The one gate after a first factor, used by every login path (cookie, token, later OIDC):
     * completes the login only when the MFA gate lets it pass; otherwise answers the mfa_token
     * the client needs for the second step (or for enrolling a first method). No session exists
     * until then.
     */
    async afterPassword(user: UserRow, attempt: LoginAttempt): Promise<AfterPassword> {
      const decision: GateDecision = mfaGate ? await mfaGate.check(user, attempt) : { kind: 'pass' };
      if (decision.kind !== 'pass') return decision;
      const done = await complete(user, {
        mode: attempt.mode,
        amr: attempt.amr ?? ['pwd'],
        rememberMe: attempt.rememberMe,
        ip: attempt.ip,
        userAgent: attempt.userAgent,
      });
      return { kind: 'complete', ...done };
    },

    /** Logs a failed second step in the login-attempt log (the mfa capability records the event). */
    recordSecondFactorFailure(user: UserRow, reason: string, ctx: LoginContext): void {
      deps.recordAttempt?.({ email: user.email, userId: user.id, success: false, reason, ...ctx });
    },

    complete,
  };
}
export type LoginService = ReturnType<typeof createLoginService>;
