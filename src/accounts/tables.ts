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

export interface AccountTables {
  users: UserTable;
}
