import type { Keyring } from '../crypto/keyring.js';
import { reencryptEnvelopes, type ReencryptReport } from '../crypto/reencrypt.js';
import type { KeyStore } from './store.js';

/** Re-encrypts signing keys' private parts made under an older master secret (AAD = kid). */
export async function reencryptSigningKeys(store: KeyStore, keyring: Keyring): Promise<ReencryptReport> {
  const rows = (await store.listEnvelopes()).map((r) => ({ id: r.kid, envelope: r.private_envelope }));
  return reencryptEnvelopes(keyring, 'signing-keys', rows, (kid, previous, next) => store.replaceEnvelope(kid, previous, next));
}
