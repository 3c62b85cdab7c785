import type { Keyring } from '../crypto/keyring.js';
import type { KeyStore } from './store.js';

export interface KeyRotationReport {
  total: number;
  rotated: number;
  failed: string[];
}

/**
 * Re-encrypts every signing key's private part made under an older master secret with the current
 * one (same purpose and AAD), so the old master secret can be removed from the configuration.
 */
export async function reencryptSigningKeys(store: KeyStore, keyring: Keyring): Promise<KeyRotationReport> {
  const report: KeyRotationReport = { total: 0, rotated: 0, failed: [] };
  for (const row of await store.listEnvelopes()) {
    report.total++;
    if (!keyring.isStale(row.private_envelope)) continue;
    try {
      const plain = keyring.decrypt('signing-keys', row.private_envelope, row.kid);
      const next = keyring.encrypt('signing-keys', plain, row.kid);
      if (await store.replaceEnvelope(row.kid, row.private_envelope, next)) report.rotated++;
    } catch {
      report.failed.push(row.kid);
    }
  }
  return report;
}
