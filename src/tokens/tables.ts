/**
 * A refresh token: opaque 256-bit value, stored as SHA-256. Tokens of one session form a chain
 * (`replaced_by`); a consumed token presented again means it leaked, so the session is revoked.
 */
export interface RefreshTokenTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: number;
  /** Never later than the session's absolute expiry. */
  expires_at: number;
  consumed_at: number | null;
  /** Id of the token issued when this one was consumed. */
  replaced_by: string | null;
}

export interface TokenTables {
  refresh_tokens: RefreshTokenTable;
}
