import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * The session cookie. Over https it gets the `__Host-` prefix and Secure, which pins it to this
 * host with Path=/ and no Domain, so a sibling subdomain can neither read nor plant it.
 */
export function sessionCookie(publicUrl: string) {
  const secure = publicUrl.startsWith('https://');
  const name = secure ? '__Host-gatehouse_session' : 'gatehouse_session';
  const base: CookieSerializeOptions = { path: '/', httpOnly: true, sameSite: 'lax', secure };
  return {
    name,
    /** Persistent (remember-me) cookies carry Max-Age; others end with the browser session. */
    setOptions(maxAgeSeconds?: number): CookieSerializeOptions {
      return maxAgeSeconds ? { ...base, maxAge: maxAgeSeconds } : base;
    },
    clearOptions(): CookieSerializeOptions {
      return { ...base, maxAge: 0, expires: new Date(0) };
    },
  };
}
export type SessionCookie = ReturnType<typeof sessionCookie>;
