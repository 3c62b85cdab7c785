import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 256 random bits, base64url: session ids, refresh tokens, mailed links, mfa tokens. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** SHA-256 hex of a high-entropy secret; a slow hash adds nothing for 256-bit random values. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

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
