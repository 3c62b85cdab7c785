import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** Purposes that get their own subkey; adding one never changes the others. */
export type KeyPurpose =
  | 'signing-keys'
  | 'mfa-secrets'
  | 'cookie-signing'
  | 'csrf'
  | 'otp-codes'
  | 'webhook'
  | 'backup';

/**
 * Derives per-purpose subkeys from the master secret (HKDF-SHA-256) and encrypts values at rest
 * with AES-256-GCM in an envelope that names the master key id: `v1.<kid>.<iv>.<ciphertext+tag>`.
 * Older master secrets stay usable for decryption so `gatehouse secrets rotate` can re-encrypt.
 */
export class Keyring {
  private readonly masters: Array<{ kid: string; secret: string }>;

  constructor(current: string, previous: string[] = []) {
    this.masters = [current, ...previous].map((secret) => ({ kid: masterKeyId(secret), secret }));
  }

  /** Id of the current master secret (a hash prefix, not the secret). */
  get currentKid(): string {
    return this.masters[0]!.kid;
  }

  /** A 32-byte subkey for one purpose under the current (or named) master secret. */
  subkey(purpose: KeyPurpose, kid = this.currentKid): Buffer {
    const master = this.masters.find((m) => m.kid === kid);
    if (!master) throw new Error(`unknown master key id ${kid}`);
    return Buffer.from(hkdfSync('sha256', master.secret, 'gatehouse', `gatehouse:${purpose}`, 32));
  }

  /** HMAC-SHA-256 (hex) under a purpose subkey: low-entropy codes, cookie signatures. */
  hmac(purpose: KeyPurpose, value: string): string {
    return createHmac('sha256', this.subkey(purpose)).update(value).digest('hex');
  }

  encrypt(purpose: KeyPurpose, plaintext: string | Buffer, aad = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(purpose), iv);
    cipher.setAAD(Buffer.from(`${purpose}|${aad}`));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return ['v1', this.currentKid, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(purpose: KeyPurpose, envelope: string, aad = ''): Buffer {
    const [version, kid, ivText, bodyText] = envelope.split('.');
    if (version !== 'v1' || !kid || !ivText || !bodyText) throw new Error('malformed envelope');
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.subkey(purpose, kid), Buffer.from(ivText, 'base64url'));
    decipher.setAAD(Buffer.from(`${purpose}|${aad}`));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  }

  /** True when an envelope was made under an older master secret and should be re-encrypted. */
  isStale(envelope: string): boolean {
    return envelope.split('.')[1] !== this.currentKid;
  }
}

export function masterKeyId(secret: string): string {
  return createHash('sha256').update(`gatehouse-master:${secret}`).digest('base64url').slice(0, 8);
}
