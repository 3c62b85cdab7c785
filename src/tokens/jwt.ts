import { sign, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '../config/schema.js';
import { sha256 } from '../crypto/random.js';
import { AppError } from '../errors/app-error.js';
import type { KeyService } from '../keys/service.js';
import { signingAlgs, type SigningAlg } from '../keys/tables.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { VerifiedTokenCache } from './verified-cache.js';

/** The `typ` header of access tokens (RFC 9068); anything else (an ID token's `JWT`) is refused. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Longer strings are refused before any parsing: our tokens are a few hundred bytes. */
const MAX_TOKEN_LENGTH = 8192;
/** Claims the service sets itself; `extra` may not override them. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sid', 'amr']);

/** The claims of a verified access token (frozen; shared between callers through the cache). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  /** Epoch seconds. */
  exp: number;
  /** Epoch seconds. */
  iat: number;
  jti: string;
  /** The session's id. */
  sid: string;
  /** RFC 8176 authentication methods. */
  amr: readonly string[];
  readonly [claim: string]: unknown;
}

export interface SignAccessTokenInput {
  sub: string;
  sid: string;
  amr: string[];
  /** Lifetime in seconds; default tokens.access_ttl; at most max(access_ttl, access_ttl_remember). */
  ttlSeconds?: number;
  /** Further claims (e.g. scope); may not name a reserved claim. */
  extra?: Record<string, unknown>;
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  /** Epoch seconds, as in the token's `exp`. */
  exp: number;
  /** The lifetime in seconds (the `expires_in` of a token response). */
  expiresIn: number;
}

export interface JwtServiceDeps {
  keys: Pick<KeyService, 'signer' | 'verificationKey' | 'isUsable'>;
  config: Pick<Config, 'public_url' | 'tokens'>;
  clock: Clock;
  /** Verified-token cache bound (entries); default 10,000. */
  cacheSize?: number;
}

const invalid = () => new AppError('invalid_token');

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/**
 * A JWS compact serialisation signed synchronously with node:crypto: on the refresh path the
 * WebCrypto route (jose's SignJWT) cost more in promise and thread-pool hops than the signature.
 * ES256 signatures are the raw r||s pair JWS requires (RFC 7518 §3.4), not DER.
 */
function compactSign(signer: { alg: SigningAlg; privateKey: KeyObject }, header: string, payload: Record<string, unknown>): string {
  const input = `${header}.${b64url(JSON.stringify(payload))}`;
  const data = Buffer.from(input);
  const signature =
    signer.alg === 'EdDSA'
      ? sign(null, data, signer.privateKey)
      : signer.alg === 'ES256'
        ? sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', data, signer.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * The one JWT module: signs access tokens and verifies them with pinned algorithm (the one of
 * the key the kid names), issuer, audience and typ. Only keys from our own store are used:
 * `jku`, `x5u`, `jwk` and `x5c` headers are never looked at.
 */
export function createJwtService(deps: JwtServiceDeps) {
  const { keys, config, clock } = deps;
  const issuer = config.public_url;
  const audience = config.tokens.audience ?? config.public_url;
  const skew = config.tokens.clock_skew;
  const maxTtl = Math.max(config.tokens.access_ttl, config.tokens.access_ttl_remember);
  const cache = new VerifiedTokenCache<AccessTokenClaims>(deps.cacheSize ?? 10_000);
  // The encoded protected header of each signing key (it never changes for a kid).
  const encodedHeaders = new Map<string, string>();
  const headerFor = (signer: { kid: string; alg: SigningAlg }) => {
    let header = encodedHeaders.get(signer.kid);
    if (!header) {
      header = b64url(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: ACCESS_TOKEN_TYP }));
      encodedHeaders.set(signer.kid, header);
    }
    return header;
  };

  async function signAccessToken(input: SignAccessTokenInput): Promise<SignedAccessToken> {
    const ttl = input.ttlSeconds ?? config.tokens.access_ttl;
    // Signing keys retire after the longest configured lifetime: a longer token would outlive its key.
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > maxTtl) throw new Error(`access token ttl must be 1..${maxTtl} seconds`);
    for (const name of Object.keys(input.extra ?? {})) {
      if (RESERVED_CLAIMS.has(name)) throw new Error(`extra claim ${name} is reserved`);
    }
    const signer = await keys.signer();
    const now = clock.now();
    const iat = Math.floor(now / 1000);
    const exp = iat + ttl;
    const jti = newId(now);
    const payload = { ...input.extra, sid: input.sid, amr: input.amr, iss: issuer, sub: input.sub, aud: audience, iat, exp, jti };
    const token = compactSign(signer, headerFor(signer), payload);
    return { token, jti, exp, expiresIn: ttl };
  }

  async function verifyFully(token: string, now: number): Promise<{ claims: AccessTokenClaims; kid: string }> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalid();
    }
    const { kid, alg } = header;
    // alg must be one we sign with (never none, never HS*), and the one of the key kid names.
    if (typeof kid !== 'string' || !kid || typeof alg !== 'string' || !signingAlgs.includes(alg as SigningAlg)) throw invalid();
    const key = await keys.verificationKey(kid);
    if (!key || key.alg !== alg) throw invalid();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg],
        issuer,
        audience,
        typ: ACCESS_TOKEN_TYP,
        clockTolerance: skew,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid', 'amr'],
      }));
    } catch {
      throw invalid();
    }
    const { sub, sid, jti, amr, iat } = payload as Record<string, unknown>;
    const shapeOk =
      typeof sub === 'string' &&
      typeof sid === 'string' &&
      typeof jti === 'string' &&
      Array.isArray(amr) &&
      amr.every((a) => typeof a === 'string');
    // jose only checks iat against maxTokenAge; a token "issued" in the future is not ours.
    if (!shapeOk || typeof iat !== 'number' || iat > now / 1000 + skew) throw invalid();
    const claims = Object.freeze({ ...payload, amr: Object.freeze([...(amr as string[])]) }) as AccessTokenClaims;
    return { claims, kid };
  }

  return {
    /** Signs an access token (typ at+jwt) with the active key of tokens.algorithm. */
    signAccessToken,

    /**
     * Verifies an access token; returns its claims or throws AppError('invalid_token').
     * A cached verification is served only before `exp` and while its signing key is usable.
     */
    async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid();
      const now = clock.now();
      const hash = sha256(token);
      const hit = cache.get(hash, now);
      if (hit) {
        if (keys.isUsable(hit.kid)) return hit.claims;
        cache.delete(hash);
        throw invalid();
      }
      const { claims, kid } = await verifyFully(token, now);
      cache.set(hash, { claims, kid, expiresAt: claims.exp * 1000 }, now);
      return claims;
    },

    /** The configured `iss` and `aud` of access tokens. */
    issuer,
    audience,
  };
}
export type JwtService = ReturnType<typeof createJwtService>;
