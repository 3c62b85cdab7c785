import type { KeyPurpose, Keyring } from './keyring.js';

export interface ReencryptReport {
  /** Envelopes looked at. */
  total: number;
  /** Re-encrypted under the current master secret by this run. */
  rotated: number;
  /** Ids whose envelope could not be decrypted with any configured master secret. */
  failed: string[];
}

/** An envelope stored in a row; `id` is its AAD (as at encryption) and names it in the report. */
export interface StoredEnvelope {
  id: string;
  envelope: string;
}

/**
 * Re-encrypts every envelope made under an older master secret with the current one (same purpose
 * and AAD), so the old secret can be removed. `replace` swaps a row's envelope only if it still
 * holds the one that was read, so a concurrent change is never overwritten.
 */
export async function reencryptEnvelopes(
  keyring: Keyring,
  purpose: KeyPurpose,
  rows: StoredEnvelope[],
  replace: (id: string, previous: string, next: string) => Promise<boolean>,
): Promise<ReencryptReport> {
  const report: ReencryptReport = { total: rows.length, rotated: 0, failed: [] };
  for (const { id, envelope } of rows) {
    if (!keyring.isStale(envelope)) continue;
    try {
      const next = keyring.encrypt(purpose, keyring.decrypt(purpose, envelope, id), id);
      if (await replace(id, envelope, next)) report.rotated++;
    } catch {
      report.failed.push(id);
    }
  }
  return report;
}
