import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { UserStore } from '../../accounts/store.js';
import { AppError } from '../../errors/app-error.js';
import type { EventService } from '../../events/service.js';
import type { LoginContext, LoginMode, LoginService } from '../../login/service.js';
import type { FinishedLogin } from '../service.js';
import type { Passkeys } from './service.js';

/**
 * Passwordless login with a passkey, when mfa.passkey_passwordless allows it. The passkey must
 * verify its user (PIN or biometrics), so the login counts as two factors (amr hwk/swk + mfa)
 * and needs no second step. Refusals all look the same (401 invalid_credentials).
 */
export function createPasswordlessLogin(deps: {
  enabled: boolean;
  passkeys: Passkeys;
  users: UserStore;
  login: LoginService;
  events: EventService;
}) {
  const { passkeys, users, login, events } = deps;
  const assertEnabled = () => {
    if (!deps.enabled) throw new AppError('not_found', { detail: 'Passwordless passkey login is not enabled' });
  };

  return {
    enabled: deps.enabled,

    async options(): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      assertEnabled();
      return passkeys.passwordlessOptions();
    },

    async verify(
      input: { challengeId: string; response: AuthenticationResponseJSON; mode: LoginMode; rememberMe: boolean },
      ctx: LoginContext,
    ): Promise<FinishedLogin> {
      assertEnabled();
      const a = await passkeys.verifyAssertion(input.response, { purpose: 'passwordless', challengeId: input.challengeId });
      const user = a ? await users.findById(a.userId) : undefined;
      if (!a || !user || user.status !== 'active' || !a.userVerified) {
        events.emit('login_failed', {
          actor_id: user?.id ?? null,
          target_id: user?.id ?? null,
          ip: ctx.ip,
          user_agent: ctx.userAgent,
          data: { reason: 'passkey_invalid' },
        });
        throw new AppError('invalid_credentials', { detail: 'The passkey could not be verified' });
      }
      const completed = await login.complete(user, { mode: input.mode, amr: [a.amr, 'mfa'], rememberMe: input.rememberMe, ...ctx });
      return { completed, mode: input.mode, rememberMe: input.rememberMe };
    },
  };
}
export type PasswordlessLogin = ReturnType<typeof createPasswordlessLogin>;
