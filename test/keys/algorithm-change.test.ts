import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { meStatus, tokenLogin } from '../tokens/helpers.js';
import { sharedDatabase } from './helpers.js';

/**
 * The default algorithm moved from EdDSA to ES256: a deployment that upgrades (or an operator who
 * changes tokens.algorithm) keeps every token already issued valid, and relying parties find both keys.
 */
describe.each(backends)('changing tokens.algorithm on a running deployment (%s)', (backend) => {
  let before: TestServer;
  let after: TestServer;
  beforeAll(async () => {
    before = await startTestServer({ backend, config: { tokens: { algorithm: 'EdDSA' } } });
    after = await startTestServer({ backend, databaseUrl: sharedDatabase(before), config: { public_url: before.config.public_url } });
  });
  afterAll(async () => {
    await after?.close();
    await before?.close();
  });

  it('new tokens are ES256 by default; EdDSA tokens issued before still work, and the JWKS has both keys', async () => {
    const u = await seedUser(before, { email: 'upgrade@example.com' });
    const old = await tokenLogin(before.client(), u.email, u.password);
    expect(decodeProtectedHeader(old.access_token).alg).toBe('EdDSA');

    // Both instances serve one public URL (as behind a load balancer): requests to the second carry its origin.
    const viaPublic = new Client(after.url, '127.0.0.1', before.config.public_url);
    const fresh = await tokenLogin(viaPublic, u.email, u.password);
    expect(decodeProtectedHeader(fresh.access_token).alg).toBe('ES256');
    expect(await meStatus(after, old.access_token)).toBe(200);
    expect(await meStatus(after, fresh.access_token)).toBe(200);

    // The old chain rotates on the upgraded instance, and what it gets back is signed with ES256.
    const rotated = await viaPublic.post('/api/v1/auth/refresh', { refresh_token: old.refresh_token });
    expect(rotated.status).toBe(200);
    expect(decodeProtectedHeader(rotated.body.access_token).alg).toBe('ES256');

    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', after.url));
    const opts = { issuer: after.config.public_url, audience: after.config.public_url, typ: 'at+jwt' };
    await expect(jwtVerify(old.access_token, jwks, { ...opts, algorithms: ['EdDSA'] })).resolves.toBeTruthy();
    await expect(jwtVerify(fresh.access_token, jwks, { ...opts, algorithms: ['ES256'] })).resolves.toBeTruthy();
    // A verifier pinned to ES256 refuses the EdDSA token: the header cannot pick a weaker path.
    await expect(jwtVerify(old.access_token, jwks, { ...opts, algorithms: ['ES256'] })).rejects.toThrow();
  });
});
