import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Keyring } from '../crypto/keyring.js';
import type { SigningKeyRow } from './store.js';
import type { SigningAlg } from './tables.js';

/** The public members a JWKS may carry. Private members (d, p, q, dp, dq, qi) never appear here. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** A signing key decrypted and imported once, then kept in memory. */
export interface KeyMaterial {
  kid: string;
  alg: SigningAlg;
  publicJwk: PublicJwk;
  publicKey: CryptoKey;
  /** A node:crypto key: tokens are signed synchronously with it (WebCrypto's async round trip costs more than the signature). */
  privateKey: KeyObject;
}

/** Key type and curve each algorithm must use, so a row can never pair an alg with a foreign key. */
const shapeOf: Record<SigningAlg, { kty: string; crv?: string }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
  RS256: { kty: 'RSA' },
};
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;
const PRIVATE_MEMBERS = [...PUBLIC_MEMBERS, 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

function pick(jwk: JWK, names: readonly string[]): JWK {
  const src = jwk as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const n of names) if (typeof src[n] === 'string') out[n] = src[n];
  return out as JWK;
}

/** Generates a key pair and returns the row to store: public JWK in clear, private JWK enveloped. */
export async function generateKeyRow(keyring: Keyring, alg: SigningAlg, now: number): Promise<SigningKeyRow> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const full = await exportJWK(privateKey);
  const pub = pick(full, PUBLIC_MEMBERS);
  // RFC 7638 thumbprint: a kid that is derived from the key itself, unique without coordination.
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const privateJwk = { ...pick(full, PRIVATE_MEMBERS), kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    use: 'sig',
    public_jwk: JSON.stringify({ ...pub, kid, alg, use: 'sig' }),
    // AAD = kid binds the envelope to its row: swapping envelopes between rows fails to decrypt.
    private_envelope: keyring.encrypt('signing-keys', JSON.stringify(privateJwk), kid),
    created_at: now,
    activated_at: now,
    retire_after: null,
    retired_at: null,
    status: 'active',
  };
}

/**
 * Decrypts and imports a stored key. The public key is derived from the authenticated private
 * JWK, not read from `public_jwk`, so someone who can write the table but lacks the master
 * secret cannot slip in a verification key of their own.
 */
export async function loadKeyMaterial(keyring: Keyring, row: SigningKeyRow): Promise<KeyMaterial> {
  const jwk = JSON.parse(keyring.decrypt('signing-keys', row.private_envelope, row.kid).toString('utf8')) as JWK;
  const shape = shapeOf[row.alg];
  if (!shape || jwk.alg !== row.alg || jwk.kid !== row.kid || jwk.kty !== shape.kty || (shape.crv && jwk.crv !== shape.crv)) {
    throw new Error(`signing key ${row.kid}: stored key does not match its algorithm ${row.alg}`);
  }
  const pub = pick(jwk, PUBLIC_MEMBERS);
  const privateKey = createPrivateKey({ key: pick(jwk, PRIVATE_MEMBERS) as JsonWebKey, format: 'jwk' });
  const publicKey = await importJWK(pub, row.alg);
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: { ...(pub as { kty: string }), kid: row.kid, alg: row.alg, use: 'sig' },
    publicKey: publicKey as CryptoKey,
    privateKey,
  };
}
