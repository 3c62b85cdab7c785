/** A blacklist entry: one address or a range; `source` tells a manual entry from a ladder block. */
export interface IpBlacklistTable {
  id: string;
  /** Canonical text (see cidr.ts): a bare address for one host, else network/prefix. */
  cidr: string;
  reason: string | null;
  source: 'manual' | 'auto';
  created_by: string | null;
  created_at: number;
  /** Epoch ms; null = permanent. */
  expires_at: number | null;
}

/** Allow/deny rules, evaluated in `position` order (first match wins). */
export interface NetworkRuleTable {
  position: number;
  action: 'allow' | 'deny';
  cidr: string;
  scope: 'all' | 'admin' | 'login';
}

/** Consecutive failed password logins of an account and its lock, when account lockout is on. */
export interface AccountLockoutTable {
  user_id: string;
  failures: number;
  locked_until: number | null;
  updated_at: number;
}

export interface ProtectionTables {
  ip_blacklist: IpBlacklistTable;
  network_rules: NetworkRuleTable;
  account_lockouts: AccountLockoutTable;
}
