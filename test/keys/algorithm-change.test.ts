import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { meStatus, tokenLogin } from '../tokens/helpers.js';
import { kidOf, sharedDatabase } from './helpers.js';

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

describe.each(backends)('a signing key of an algorithm no longer configured (%s)', (backend) => {
  const interval = 3600;
  let before: TestServer;
  let after: TestServer;
  let clock: FakeClock;
  beforeAll(async () => {
    const start = Date.now();
    clock = new FakeClock(start);
    const keys = { rotation_interval: interval };
    before = await startTestServer({ backend, clock: new FakeClock(start), config: { tokens: { algorithm: 'EdDSA' }, keys } });
    after = await startTestServer({ backend, clock, databaseUrl: sharedDatabase(before), config: { public_url: before.config.public_url, keys } });
  });
  afterAll(async () => {
    await after?.close();
    await before?.close();
  });

  const rowOf = (kid: string) =>
    after.server.container.db.kysely.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirstOrThrow();
  const jwksKids = async () => ((await after.client().get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid);

  it('is not renewed when due: it verifies for the retire window, then retires', async () => {
    const edKid = kidOf((await before.server.container.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token);
    const c = after.server.container;

    clock.advance((interval - 60) * 1000);
    await c.keys.tick();
    expect((await rowOf(edKid)).status).toBe('active');

    clock.advance(120 * 1000);
    await c.keys.tick();
    const demoted = await rowOf(edKid);
    expect(demoted.status).toBe('verifying');
    expect(demoted.retire_after).toBe(clock.now() + c.keys.retireWindowMs);
    const edKeys = await c.db.kysely.selectFrom('signing_keys').select('kid').where('alg', '=', 'EdDSA').where('status', '=', 'active').execute();
    expect(edKeys).toEqual([]); // demoted, not replaced by a fresh EdDSA key
    await c.events.flush();
    const events = await c.db.kysely.selectFrom('events').selectAll().where('type', '=', 'signing_key_demoted').execute();
    expect(events.map((e) => e.target_id)).toEqual([edKid]);
    expect(await jwksKids()).toContain(edKid);

    clock.set(demoted.retire_after! + 1);
    await c.keys.tick();
    expect((await rowOf(edKid)).status).toBe('retired');
    expect(await jwksKids()).not.toContain(edKid);
    expect(await c.keys.verificationKey(edKid)).toBeNull();
    const esToken = (await c.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token;
    expect(decodeProtectedHeader(esToken).alg).toBe('ES256');
    await expect(c.jwt.verifyAccessToken(esToken)).resolves.toBeTruthy();
  });
});
