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

/** Reasons a password step fails; all answer the same 401 to the caller. */
export type LoginFailure = 'unknown_email' | 'wrong_password' | 'no_password' | 'disabled' | 'pending';

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
}) {
  const { users, hasher, sessions, events, clock } = deps;

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

  return {
    /**
     * Checks email and password. Unknown email, wrong password, disabled and pending accounts all
     * fail the same way, and an unknown email still costs one argon2 verification (dummy hash).
     */
    async checkPassword(email: string, password: string, ctx: LoginContext): Promise<UserRow> {
      const user = await users.findByEmail(normalizeEmail(email));
      const ok = await hasher.verify(user?.password_hash ?? null, password);
      if (!user) fail(email, user, 'unknown_email', ctx);
      if (!user.password_hash) fail(email, user, 'no_password', ctx);
      if (!ok) fail(email, user, 'wrong_password', ctx);
      if (user.status === 'disabled') fail(email, user, 'disabled', ctx);
      if (user.status === 'pending') fail(email, user, 'pending', ctx);
      if (hasher.needsRehash(user.password_hash)) {
        // Upgrade hashes made with older parameters now that we hold the plaintext.
        await users.update(user.id, { password_hash: await hasher.hash(password), updated_at: clock.now() });
      }
      return user;
    },

    /** Records success and starts the session in the requested mode. */
    async complete(
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
    },
  };
}
export type LoginService = ReturnType<typeof createLoginService>;
