/** One verified token: its claims (frozen), the key that signed it and when it stops being good. */
export interface VerifiedEntry<C> {
  claims: C;
  kid: string;
  /** Epoch ms of `exp`: the entry is never served at or after this moment. */
  expiresAt: number;
}

/**
 * A bounded LRU of verified tokens keyed by a hash of the token (never the token itself), so a
 * client reusing its access token for many requests costs one signature check. It only spares
 * work: callers still check the signing key is usable on every hit, and expiry is enforced here.
 */
export class VerifiedTokenCache<C> {
  private readonly entries = new Map<string, VerifiedEntry<C>>();

  constructor(readonly max = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `hash` if it has not expired at `now`; a hit becomes most recently used. */
  get(hash: string, now: number): VerifiedEntry<C> | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    this.entries.delete(hash);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(hash, entry);
    return entry;
  }

  /** Stores an entry (ignored when already expired), evicting the least recently used beyond `max`. */
  set(hash: string, entry: VerifiedEntry<C>, now: number): void {
    if (entry.expiresAt <= now || this.max <= 0) return;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(hash: string): void {
    this.entries.delete(hash);
  }

  clear(): void {
    this.entries.clear();
  }
}
