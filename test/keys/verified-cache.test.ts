import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../../src/tokens/verified-cache.js';

const entry = (kid: string, expiresAt: number) => ({ claims: { kid }, kid, expiresAt });

describe('verified-token cache', () => {
  it('stays within its bound, evicting the least recently used entry', () => {
    const cache = new VerifiedTokenCache<{ kid: string }>(3);
    for (const h of ['a', 'b', 'c']) cache.set(h, entry('k', 10_000), 0);
    expect(cache.get('a', 1)).toBeTruthy(); // a is now the most recently used
    cache.set('d', entry('k', 10_000), 1);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('a', 1) && cache.get('c', 1) && cache.get('d', 1)).toBeTruthy();
  });

  it('never serves an entry at or after its expiry, and does not store expired ones', () => {
    const cache = new VerifiedTokenCache<{ kid: string }>(10);
    cache.set('a', entry('k', 1000), 0);
    expect(cache.get('a', 999)).toBeTruthy();
    expect(cache.get('a', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('b', entry('k', 1000), 1000);
    expect(cache.size).toBe(0);
  });
});
