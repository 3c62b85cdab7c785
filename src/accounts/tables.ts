import type { Role, UserStatus } from './roles.js';

/** A user. `email_normalized` is the identity (unique); `email` is kept as given. */
export interface UserTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string;
  /** JSON object of OIDC standard profile claims (given_name, family_name, nickname, picture, locale, …). */
  profile: string;
  /** JSON object of free-form attributes. */
  attributes: string;
  status: UserStatus;
  role: Role;
  password_hash: string | null;
  email_verified_at: number | null;
  /** Per-user single-session override: null = follow config, 0/1 = off/on. */
  single_session: number | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

/** One mailed verification: a link token and a 6-digit code, both single use through `consumed_at`. */
export interface EmailVerificationTable {
  id: string;
  user_id: string;
  /** SHA-256 of the link token. */
  token_hash: string;
  /** HMAC (keyring 'otp-codes') of the code, bound to the user id. */
  code_hash: string;
  code_attempts: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** A reset link (forgot password) or a setup link (first password of an admin-created user). */
export interface PasswordResetTable {
  id: string;
  user_id: string;
  purpose: 'reset' | 'setup';
  token_hash: string;
  requested_ip: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** An invitation by email; accepting it (once) creates the account. */
export interface InvitationTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string | null;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  /** The account the acceptance created. */
  user_id: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  revoked_at: number | null;
}

/** Every login attempt, successful or not (the login-attempt log). */
export interface LoginAttemptTable {
  id: string;
  time: number;
  /** As typed by the caller (cut to 320 characters). */
  email: string;
  email_normalized: string;
  user_id: string | null;
  success: number;
  /** 'ok' or the failure reason code. */
  reason: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AccountTables {
  users: UserTable;
  email_verifications: EmailVerificationTable;
  password_resets: PasswordResetTable;
  invitations: InvitationTable;
  login_attempts: LoginAttemptTable;
}
