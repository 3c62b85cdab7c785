/**
 * Algorithms Gatehouse signs with. ES256 is the default: cheaper to sign and to verify than Ed25519
 * on the machines we measured (bench/README.md, item 25), and more widely supported by relying
 * parties' JOSE libraries. RS256 for OIDC interop.
 */
export type SigningAlg = 'EdDSA' | 'ES256' | 'RS256';
export const signingAlgs: readonly SigningAlg[] = ['EdDSA', 'ES256', 'RS256'];

/**
 * Life of a key: `active` (the one signer of its algorithm) → `verifying` (rotated out; still
 * checks tokens until `retire_after`) → `retired` (refused, gone from the JWKS; the row stays for audit).
 */
export type SigningKeyStatus = 'active' | 'verifying' | 'retired';

export interface SigningKeyTable {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  /** Public JWK as JSON (for tooling; the service derives public keys from the envelope). */
  public_jwk: string;
  /** Keyring envelope ('signing-keys', AAD = kid) of the private JWK as JSON. */
  private_envelope: string;
  created_at: number;
  activated_at: number | null;
  /** Epoch ms after which the key no longer verifies; null while active. */
  retire_after: number | null;
  retired_at: number | null;
  status: SigningKeyStatus;
}

export interface KeyTables {
  signing_keys: SigningKeyTable;
}
