import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { UserRow } from '../../accounts/store.js';
import { AppError } from '../../errors/app-error.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { ChallengeRow, PasskeyStore, PasskeyWithMethod } from './store.js';

// The WebAuthn library (and its CBOR/ASN.1 parsers) costs ~20 MB of memory; only passkey
// ceremonies need it, so it is loaded on the first one.
let webauthnLib: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = () => (webauthnLib ??= import('@simplewebauthn/server'));

export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** A verified assertion: whose passkey, which one, and the amr it earns. */
export interface PasskeyAssertion {
  userId: string;
  methodId: string;
  /** 'swk' for synced (backed-up) passkeys, 'hwk' for device-bound ones (RFC 8176). */
  amr: 'hwk' | 'swk';
  userVerified: boolean;
}

/** How long a WebAuthn ceremony may take. */
const CEREMONY_MS = 5 * 60 * 1000;

/** The challenge a response answers, read from its clientDataJSON (verified again by the library). */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | null {
  try {
    const json = Buffer.from(String(response.response?.clientDataJSON ?? ''), 'base64url').toString('utf8');
    const c = (JSON.parse(json) as { challenge?: unknown }).challenge;
    return typeof c === 'string' && c.length > 0 && c.length <= 512 ? c : null;
  } catch {
    return null;
  }
}

const refused = (detail: string) => new AppError('mfa_invalid', { detail });

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: registration (attestation "none" is enough:
 * we trust the key, not its maker), use as a second factor, and passwordless login. Every
 * challenge is stored and consumed once; the signature counter is kept to notice clones.
 */
export function createPasskeys(deps: { store: PasskeyStore; clock: Clock; rp: RelyingParty }) {
  const { store, clock, rp } = deps;

  async function saveChallenge(purpose: ChallengeRow['purpose'], challenge: string, userId: string | null, transactionId: string | null) {
    const now = clock.now();
    const id = newId(now);
    await store.insertChallenge({
      id,
      purpose,
      user_id: userId,
      transaction_id: transactionId,
      challenge,
      created_at: now,
      expires_at: now + CEREMONY_MS,
      consumed_at: null,
    });
    return id;
  }

  const descriptor = (p: PasskeyWithMethod) => ({ id: p.credential_id, transports: JSON.parse(p.transports) as string[] });

  return {
    list: (userId: string) => store.listForUser(userId),
    rename: (userId: string, methodId: string, name: string) => store.rename(userId, methodId, name),

    async registrationOptions(user: UserRow): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await store.listForUser(user.id);
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userDisplayName: user.name,
        // The user handle is our user id, so a discoverable passkey names its user at login.
        userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
        attestationType: 'none',
        excludeCredentials: existing.map(descriptor),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
        timeout: CEREMONY_MS,
      });
      await saveChallenge('register', options.challenge, user.id, null);
      return options;
    },

    /** Verifies a registration response and stores the passkey as a confirmed method. */
    async register(user: UserRow, name: string, response: RegistrationResponseJSON): Promise<PasskeyWithMethod> {
      const challenge = challengeOf(response);
      const now = clock.now();
      const row = challenge && (await store.consumeChallenge({ purpose: 'register', challenge, userId: user.id }, now));
      if (!row) throw refused('The passkey response does not answer a live registration challenge');
      let info;
      try {
        const v = await (await webauthn()).verifyRegistrationResponse({
          response,
          expectedChallenge: row.challenge,
          expectedOrigin: rp.origins,
          expectedRPID: rp.id,
          requireUserVerification: false,
        });
        if (!v.verified) throw new Error('not verified');
        info = v.registrationInfo;
      } catch {
        throw refused('The passkey registration could not be verified');
      }
      if (await store.credentialExists(info.credential.id)) throw new AppError('conflict', { detail: 'This passkey is already registered' });
      const methodId = newId(now);
      await store.insert(
        {
          id: methodId,
          user_id: user.id,
          type: 'passkey',
          name,
          secret_envelope: null,
          phone_number: null,
          last_used_step: null,
          confirmed_at: now,
          created_at: now,
          last_used_at: null,
        },
        {
          method_id: methodId,
          user_id: user.id,
          credential_id: info.credential.id,
          public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
          counter: info.credential.counter,
          transports: JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
          device_type: info.credentialDeviceType,
          backed_up: info.credentialBackedUp ? 1 : 0,
          aaguid: info.aaguid,
        },
      );
      return (await store.findByCredentialId(info.credential.id))!;
    },

    /** Request options for the second-factor step of one login transaction. */
    async mfaOptions(userId: string, transactionId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const passkeys = await store.listForUser(userId);
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: passkeys.map(descriptor),
        userVerification: 'preferred',
        timeout: CEREMONY_MS,
      });
      await saveChallenge('mfa', options.challenge, userId, transactionId);
      return options;
    },

    /**
     * Passwordless request options. No credentials are listed (discoverable passkeys name their
     * user), so the answer is the same whoever asks and reveals no account.
     */
    async passwordlessOptions(): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      const options = await (await webauthn()).generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', timeout: CEREMONY_MS });
      const challengeId = await saveChallenge('passwordless', options.challenge, null, null);
      return { challengeId, options };
    },

    /**
     * Verifies an assertion against a consumed challenge. For the MFA step the challenge belongs to
     * the transaction and the passkey must be the user's; passwordless requires user verification.
     * Returns null when anything does not hold.
     */
    async verifyAssertion(
      response: AuthenticationResponseJSON,
      expect: { purpose: 'mfa'; transactionId: string; userId: string } | { purpose: 'passwordless'; challengeId: string },
    ): Promise<PasskeyAssertion | null> {
      const now = clock.now();
      const challenge = challengeOf(response);
      if (!challenge) return null;
      const row =
        expect.purpose === 'mfa'
          ? await store.consumeChallenge({ purpose: 'mfa', challenge, transactionId: expect.transactionId }, now)
          : await store.consumeChallenge({ purpose: 'passwordless', challenge, id: expect.challengeId }, now);
      if (!row) return null;
      const passkey = typeof response.id === 'string' ? await store.findByCredentialId(response.id) : undefined;
      if (!passkey) return null;
      if (expect.purpose === 'mfa' && passkey.user_id !== expect.userId) return null;
      const handle = response.response?.userHandle;
      if (handle && Buffer.from(handle, 'base64url').toString('utf8') !== passkey.user_id) return null;
      const requireUv = expect.purpose === 'passwordless';
      try {
        const v = await (await webauthn()).verifyAuthenticationResponse({
          response,
          expectedChallenge: row.challenge,
          expectedOrigin: rp.origins,
          expectedRPID: rp.id,
          credential: {
            id: passkey.credential_id,
            publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')),
            counter: passkey.counter,
            transports: JSON.parse(passkey.transports) as string[],
          },
          requireUserVerification: requireUv,
        });
        if (!v.verified) return null;
        await store.recordUse(passkey.method_id, v.authenticationInfo.newCounter, now);
        return {
          userId: passkey.user_id,
          methodId: passkey.method_id,
          amr: v.authenticationInfo.credentialBackedUp ? 'swk' : 'hwk',
          userVerified: v.authenticationInfo.userVerified,
        };
      } catch {
        return null;
      }
    },
  };
}
export type Passkeys = ReturnType<typeof createPasskeys>;
