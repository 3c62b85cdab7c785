import { hash, randomFillSync, randomInt, timingSafeEqual } from 'node:crypto';

/** 256 random bits, base64url: session ids, refresh tokens, mailed links, mfa tokens. */
export const randomToken = (bytes = 32): string => pooledRandomBytes(bytes).toString('base64url');

/** SHA-256 hex of a high-entropy secret; a slow hash adds nothing for 256-bit random values. */
export const sha256 = (value: string): string => hash('sha256', value, 'hex');

/** A uniformly random numeric code of `digits` digits (OTPs), from the CSPRNG. */
export const randomDigits = (digits = 6): string => String(randomInt(0, 10 ** digits)).padStart(digits, '0');

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

// One CSPRNG call fills a pool that many small draws share (tokens, ids, trace ids): a call per
// draw costs more than the draw itself on the hot path. Node batches randomUUID the same way.
// Bytes are copied out and never served twice, so a token shares no randomness with another.
const POOL_SIZE = 8192;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `n` (≤ 256) bytes from the CSPRNG, served from a pooled buffer; each byte is handed out once. */
export function pooledRandomBytes(n: number): Buffer {
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

/** One CSPRNG byte as a fraction in [0, 1), the shape ulid's PRNG hook expects. */
export function pooledRandomFraction(): number {
  if (poolOffset >= POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]! / 256;
}
