import { Secret, TOTP } from 'otpauth';
import type { UserRow } from '../../accounts/store.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Clock } from '../../shared/clock.js';
import { commonJsExports } from '../../shared/commonjs.js';
import { newId } from '../../shared/ids.js';
import type { MfaMethodRow, MfaStore } from '../store.js';

/** RFC 6238 defaults every authenticator app understands. */
const PERIOD = 30;
const DIGITS = 6;
/** Documented drift allowance: the previous, current and next 30-second step are accepted. */
export const TOTP_WINDOW = 1;

export interface TotpEnrolment {
  method: MfaMethodRow;
  secret: string;
  otpauthUri: string;
  /** SVG QR code of the otpauth URI as a data URL. */
  qr: string;
}

/**
 * TOTP: the secret is generated here, shown once at enrolment and stored only as an AES-256-GCM
 * envelope (purpose 'mfa-secrets', AAD = method id, master key id inside). The method counts
 * only after a first valid code; each step is accepted once per method (last used step kept).
 */
export function createTotp(deps: { store: MfaStore; keyring: Keyring; clock: Clock; issuer: string }) {
  const { store, keyring, clock } = deps;

  const totpFor = (secretBase32: string, label = 'user') =>
    new TOTP({ issuer: deps.issuer, label, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: DIGITS, period: PERIOD });

  const secretOf = (m: MfaMethodRow) => keyring.decrypt('mfa-secrets', m.secret_envelope!, m.id).toString('utf8');

  /** The step a code belongs to (within the window), or null. */
  function matchStep(m: MfaMethodRow, code: string, now: number): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const totp = totpFor(secretOf(m));
    const delta = totp.validate({ token: code, timestamp: now, window: TOTP_WINDOW });
    return delta === null ? null : totp.counter({ timestamp: now }) + delta;
  }

  return {
    async enroll(user: UserRow, name: string | null): Promise<TotpEnrolment> {
      await store.removePending(user.id, 'totp');
      const now = clock.now();
      const id = newId(now);
      const secret = new Secret({ size: 20 }).base32;
      const method = await store.insert({
        id,
        user_id: user.id,
        type: 'totp',
        name,
        secret_envelope: keyring.encrypt('mfa-secrets', secret, id),
        phone_number: null,
        last_used_step: null,
        confirmed_at: null,
        created_at: now,
        last_used_at: null,
      });
      const otpauthUri = totpFor(secret, user.email).toString();
      // Loaded on the first enrolment only: most processes never draw a QR code.
      const QRCode = commonJsExports(await import('qrcode'));
      const svg = await QRCode.toString(otpauthUri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return { method, secret, otpauthUri, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
    },

    /** Activates a pending TOTP method with its first code; that code's step counts as used. */
    async confirm(userId: string, methodId: string, code: string): Promise<MfaMethodRow | null> {
      const m = await store.findForUser(userId, methodId);
      if (!m || m.type !== 'totp' || m.confirmed_at !== null) return null;
      const now = clock.now();
      const step = matchStep(m, code, now);
      if (step === null) return null;
      return (await store.confirm(userId, methodId, now, step)) ?? null;
    },

    /** Checks a login code against the user's TOTP methods; the method id, once per step. */
    async check(userId: string, code: string): Promise<string | null> {
      const now = clock.now();
      for (const m of await store.listConfirmedOfType(userId, 'totp')) {
        const step = matchStep(m, code, now);
        if (step !== null && (await store.advanceTotpStep(m.id, step, now))) return m.id;
      }
      return null;
    },
  };
}
export type Totp = ReturnType<typeof createTotp>;
