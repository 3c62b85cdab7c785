/** MFA method names, as the API spells them. */
export const mfaMethodTypes = ['totp', 'email', 'sms', 'recovery_code', 'passkey'] as const;
export type MfaMethodType = (typeof mfaMethodTypes)[number];

/**
 * One second factor of a user. `confirmed_at` null = pending (enrolled, not yet proven); only
 * confirmed methods count. Recovery codes are one row per user (type recovery_code) owning its
 * codes; passkeys keep their credential in `passkeys` under the same id.
 */
export interface MfaMethodTable {
  id: string;
  user_id: string;
  type: MfaMethodType;
  name: string | null;
  /** TOTP: Keyring envelope ('mfa-secrets', AAD = method id) of the base32 secret. */
  secret_envelope: string | null;
  /** SMS: the E.164 number. */
  phone_number: string | null;
  /** TOTP: the last time step accepted, so each code is accepted once. */
  last_used_step: number | null;
  confirmed_at: number | null;
  created_at: number;
  last_used_at: number | null;
}

/**
 * A mailed or texted 6-digit code: stored as HMAC (key id beside it), single use, with expiry and
 * an attempt counter. Bound to a login transaction (challenge) or, for confirming a new method, to
 * that method with `transaction_id` null.
 */
export interface MfaCodeTable {
  id: string;
  user_id: string;
  method_id: string;
  channel: 'email' | 'sms';
  transaction_id: string | null;
  code_hash: string;
  key_id: string;
  attempts: number;
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
}

/** One recovery code (HMAC under the master key `key_id`), single use. */
export interface MfaRecoveryCodeTable {
  id: string;
  user_id: string;
  method_id: string;
  code_hash: string;
  key_id: string;
  created_at: number;
  consumed_at: number | null;
}

/**
 * A login waiting for its second factor (kind 'mfa') or for a first method to be enrolled (kind
 * 'enrollment'). The mfa_token is stored as SHA-256; the row keeps what the first step asked for.
 */
export interface MfaTransactionTable {
  id: string;
  token_hash: string;
  user_id: string;
  kind: 'mfa' | 'enrollment';
  mode: 'cookie' | 'token';
  remember_me: number;
  ip: string | null;
  user_agent: string | null;
  /** JSON array: the first factor's amr values. */
  amr: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** A WebAuthn challenge we issued, single use. */
export interface WebauthnChallengeTable {
  id: string;
  purpose: 'register' | 'mfa' | 'passwordless';
  user_id: string | null;
  transaction_id: string | null;
  challenge: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** A passkey's credential; its name and dates live on the mfa_methods row with the same id. */
export interface PasskeyTable {
  method_id: string;
  user_id: string;
  /** base64url credential id (unique). */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  counter: number;
  /** JSON array of transports. */
  transports: string;
  device_type: string;
  backed_up: number;
  aaguid: string;
}

/** A browser the user told us to trust after MFA: cookie secret as SHA-256, bound to the UA family. */
export interface TrustedDeviceTable {
  id: string;
  user_id: string;
  secret_hash: string;
  ua_family: string;
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_used_at: number | null;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface MfaTables {
  mfa_methods: MfaMethodTable;
  mfa_codes: MfaCodeTable;
  mfa_recovery_codes: MfaRecoveryCodeTable;
  mfa_transactions: MfaTransactionTable;
  webauthn_challenges: WebauthnChallengeTable;
  passkeys: PasskeyTable;
  trusted_devices: TrustedDeviceTable;
}
