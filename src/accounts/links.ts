import { randomToken, sha256 } from '../crypto/random.js';

/** A freshly minted link secret: the value to mail and the hash to store. */
export interface MintedToken {
  token: string;
  hash: string;
}

/** 256 random bits for a mailed link; only the SHA-256 is stored (a slow hash adds nothing here). */
export function mintToken(): MintedToken {
  const token = randomToken();
  return { token, hash: sha256(token) };
}

/** The hash under which a presented link token is looked up. */
export const tokenHash = (token: string): string => sha256(token);

/** Absolute URLs of the pages the mails link to, under the public URL. */
export function accountUrls(publicUrl: string) {
  const base = publicUrl.replace(/\/+$/, '');
  const withToken = (path: string, token: string) => `${base}${path}?token=${encodeURIComponent(token)}`;
  return {
    verifyEmail: (token: string) => withToken('/verify-email', token),
    resetPassword: (token: string) => withToken('/reset-password', token),
    invite: (token: string) => withToken('/invite', token),
    /** Where a person starts after verifying (the console later; the site root for now). */
    home: `${base}/`,
  };
}
export type AccountUrls = ReturnType<typeof accountUrls>;
