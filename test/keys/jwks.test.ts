import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import type { SigningAlg } from '../../src/keys/tables.js';
import { backends } from '../harness/backends.js';
import { startTestServer, TEST_MASTER_SECRET, type TestServer } from '../harness/server.js';
import { kidOf, sharedDatabase } from './helpers.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const shape: Record<SigningAlg, { kty: string; members: string[]; crv?: string }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['crv', 'x'] },
  ES256: { kty: 'EC', crv: 'P-256', members: ['crv', 'x', 'y'] },
  RS256: { kty: 'RSA', members: ['n', 'e'] },
};

const cases = backends.flatMap((b) => (['EdDSA', 'ES256', 'RS256'] as const).map((alg) => [b, alg] as const));

describe.each(cases)('JWKS and access tokens (%s, %s)', (backend, alg) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ backend, config: { tokens: { algorithm: alg } } });
  });
  afterAll(() => t.close());

  it('publishes the generated key with kid, alg, use and no private members', async () => {
    const r = await t.client().get('/.well-known/jwks.json');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toMatch(/max-age=300/);
    expect(r.body.keys).toHaveLength(1);
    const [key] = r.body.keys;
    expect(key).toMatchObject({ kty: shape[alg].kty, alg, use: 'sig', kid: expect.any(String) });
    if (shape[alg].crv) expect(key.crv).toBe(shape[alg].crv);
    expect(Object.keys(key).sort()).toEqual(['alg', 'kid', 'kty', 'use', ...shape[alg].members].sort());
    for (const m of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(m);
    expect(r.text).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it('signs access tokens that a separate client verifies through the published JWKS', async () => {
    const jwt = t.server.container.jwt;
    const signed = await jwt.signAccessToken({ sub: 'user-1', sid: 'session-1', amr: ['pwd', 'otp'], extra: { scope: 'api' } });
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(signed.token, jwks, {
      issuer: t.config.public_url,
      audience: t.config.public_url,
      typ: 'at+jwt',
      algorithms: [alg],
    });
    expect(protectedHeader).toMatchObject({ alg, typ: 'at+jwt', kid: kidOf(signed.token) });
    expect(payload).toMatchObject({ sub: 'user-1', sid: 'session-1', amr: ['pwd', 'otp'], jti: signed.jti, exp: signed.exp, scope: 'api' });
    expect(payload.exp! - payload.iat!).toBe(t.config.tokens.access_ttl);
    expect(signed.expiresIn).toBe(900);
    // And our own verifier agrees (twice: the second answer comes from the verified-token cache).
    for (let i = 0; i < 2; i++) await expect(jwt.verifyAccessToken(signed.token)).resolves.toMatchObject({ sub: 'user-1', sid: 'session-1' });
  });

  it('stores private keys only as envelopes under the master secret, bound to their kid', async () => {
    const rows = await t.server.container.db.kysely.selectFrom('signing_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ alg, use: 'sig', status: 'active', retire_after: null, retired_at: null });
    expect(row.private_envelope).toMatch(/^v1\.[\w-]{8}\.[\w-]+\.[\w-]+$/);
    expect(row.private_envelope).not.toMatch(/PRIVATE KEY|"d"|\{/);
    const pub = JSON.parse(row.public_jwk) as Record<string, unknown>;
    for (const m of PRIVATE_MEMBERS) expect(pub).not.toHaveProperty(m);
    const keyring = new Keyring(TEST_MASTER_SECRET);
    const inner = JSON.parse(keyring.decrypt('signing-keys', row.private_envelope, row.kid).toString('utf8')) as Record<string, unknown>;
    expect(inner).toMatchObject({ kid: row.kid, alg, d: expect.any(String) });
    // The envelope is bound to its row: it does not open under another kid or another master secret.
    expect(() => keyring.decrypt('signing-keys', row.private_envelope, 'another-kid')).toThrow();
    expect(() => new Keyring('some-other-master-secret-0123456789abcdef').decrypt('signing-keys', row.private_envelope, row.kid)).toThrow();
  });
});

describe.each(backends)('signing keys across restarts (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ backend });
  });
  afterAll(() => t.close());

  it('a second start on the same database reuses the stored key instead of making a new one', async () => {
    const before = await t.client().get('/.well-known/jwks.json');
    const signed = await t.server.container.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] });
    const b = await startTestServer({ backend, databaseUrl: sharedDatabase(t), config: { public_url: t.config.public_url } });
    try {
      const after = await b.client().get('/.well-known/jwks.json');
      expect(after.body).toEqual(before.body);
      await expect(b.server.container.jwt.verifyAccessToken(signed.token)).resolves.toMatchObject({ sub: 'u' });
    } finally {
      await b.close();
    }
  });

  it('refuses to start with a master secret that cannot open the stored key', async () => {
    await expect(
      startTestServer({
        backend,
        databaseUrl: sharedDatabase(t),
        config: { public_url: t.config.public_url, master_secret: 'a-different-master-secret-0123456789-xyz' },
      }),
    ).rejects.toThrow(/cannot be decrypted/);
  });
});
