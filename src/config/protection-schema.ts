import { Type } from 'typebox';
import { int } from './types.js';

/**
 * Limits of one guarded flow. `per_ip` counts every request of the flow from one IP; `per_account`
 * counts, per IP and account (the email or user the request names), failures for flows that check a
 * secret (login, mfa_verify, code_verify) and requests for flows that send or create something.
 */
function flow(what: string, perIp: number, perAccount: number, window: number, counted: 'failures' | 'requests') {
  return Type.Object({
    per_ip: int(perIp, 0, 1_000_000, { description: `${what}: requests per IP per window (0 = no limit)` }),
    per_account: int(perAccount, 0, 1_000_000, {
      description: `${what}: ${counted} per IP and account per window; one more is answered 429 (0 = no limit)`,
    }),
    window: int(window, 1, 86400, { description: `${what}: counting window (seconds)` }),
  });
}

const LADDER_STEP = '^[1-9]\\d{0,5}:[1-9]\\d{0,6}:[1-9]\\d{0,8}$';

/** Rate limits, the brute-force ladder and account lockout (src/protection). */
export const ProtectionSection = Type.Object({
  rate_limit_per_ip: int(600, 0, 1_000_000, {
    env: 'GATEHOUSE_RATE_LIMIT_PER_IP',
    description: 'Requests per minute from one IP over all routes but /health (0 = no limit)',
  }),
  ladder: Type.Array(Type.String({ pattern: LADDER_STEP }), {
    default: ['10:900:900', '20:900:86400'],
    description:
      'Brute-force ladder, steps "failures:window:block" in seconds: that many failed secret checks (logins, MFA and ' +
      'verification codes, and attempts refused while limited or blocked) from one IP within the window block the IP ' +
      'for `block` seconds; failures strictly increasing (empty = no automatic blocking)',
  }),
  login: flow('Password logins (cookie and token)', 300, 5, 60, 'failures'),
  mfa_verify: flow('Second-factor checks', 100, 10, 900, 'failures'),
  code_verify: flow('Mailed codes and links redeemed (email verification, password reset, invitations)', 60, 10, 900, 'failures'),
  register: flow('Registrations', 10, 3, 3600, 'requests'),
  mail_send: flow('Mails on request (password forgot, verification resend)', 20, 5, 900, 'requests'),
  mfa_send: flow('Second-factor codes sent by mail or SMS', 20, 5, 900, 'requests'),
  lockout: Type.Object({
    failures: int(0, 0, 100, {
      description: 'Lock an account after this many consecutive failed password logins from any IP (0 = never; at most 100)',
    }),
    duration: int(900, 1, 30 * 86400, { description: 'How long a locked account stays locked (seconds)' }),
  }),
  refresh_interval: int(30, 1, 3600, {
    description: 'Reload blacklist and network rules from the database this often, besides pub/sub notices (seconds)',
  }),
});
