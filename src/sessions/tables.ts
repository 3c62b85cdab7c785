/**
 * A session: the unit of login and of revocation. A browser cookie and an API token pair are two
 * ways to carry one; `secret_hash` is the SHA-256 of the cookie value (null for token-only sessions).
 */
export interface SessionTable {
  id: string;
  user_id: string;
  kind: 'cookie' | 'token' | 'oidc';
  secret_hash: string | null;
  /** auth_time: when the user authenticated. */
  login_time: number;
  login_ip: string | null;
  login_user_agent: string | null;
  login_location: string | null;
  last_active: number;
  last_ip: string | null;
  last_user_agent: string | null;
  last_location: string | null;
  remember_me: number;
  /** JSON array of RFC 8176 values. */
  amr: string;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface SessionTables {
  sessions: SessionTable;
}
