import { createHmac } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '../../src/keys/service.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { seedUser } from '../harness/users.js';
import { assemble, goodClaims, signRaw } from '../keys/helpers.js';
import { meStatus, tokenLogin, type Pair } from './helpers.js';

/** Security checklist rows 37–39 through HTTP: every forged token is refused by GET /api/v1/me. */
describe.each(backends)('JWT attacks on a bearer route (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let ours: Signer;
  let pair: Pair;
  let real: { sub: string; sid: string };

  const header = (over: Record<string, unknown> = {}) => ({ alg: ours.alg, kid: ours.kid, typ: 'at+jwt', ...over });
  /** Claims of a token the server would accept, naming the real user and session. */
  const claims = (over: Record<string, unknown> = {}) => goodClaims(t, { sub: real.sub, sid: real.sid, ...over });
  const refused = async (token: string) => expect(await meStatus(t, token)).toBe(401);

  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock });
    const u = await seedUser(t, { email: 'jo@example.com' });
    pair = await tokenLogin(t.client(), u.email, u.password);
    const c = decodeJwt(pair.access_token);
    real = { sub: c.sub!, sid: c.sid as string };
    ours = await t.server.container.keys.signer();
  });
  afterAll(() => t.close());

  it('accepts the issued token and one signed by our key with the same claims (the baseline)', async () => {
    expect(await meStatus(t, pair.access_token)).toBe(200);
    expect(await meStatus(t, await signRaw(ours.privateKey, header(), claims()))).toBe(200);
  });

  it('refuses a flipped byte in the payload or the signature', async () => {
    const [h, p, s] = pair.access_token.split('.') as [string, string, string];
    const bytes = Buffer.from(p, 'base64url');
    const at = bytes.indexOf(real.sub) + 3;
    bytes[at] = bytes[at]! ^ 0x01;
    await refused(`${h}.${bytes.toString('base64url')}.${s}`);
    const sig = Buffer.from(s, 'base64url');
    sig[5] = sig[5]! ^ 0x01;
    await refused(`${h}.${p}.${sig.toString('base64url')}`);
  });

  it('refuses alg none', async () => {
    const sig = pair.access_token.split('.')[2]!;
    await refused(assemble(header({ alg: 'none' }), claims()));
    await refused(assemble(header({ alg: 'none' }), claims(), sig));
  });

  it('refuses HS256 keyed with the public key from the JWKS (key confusion)', async () => {
    const published = (await t.client().get('/.well-known/jwks.json')).body.keys[0] as JWK;
    const pem = await exportSPKI((await importJWK(published, published.alg, { extractable: true })) as CryptoKey);
    for (const secret of [pem, JSON.stringify(published), Buffer.from(published.x!, 'base64url')]) {
      const unsigned = assemble(header({ alg: 'HS256' }), claims()).slice(0, -1);
      await refused(`${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`);
    }
  });

  it('refuses an unknown kid, and a foreign key using our kid', async () => {
    const attacker = await generateKeyPair('ES256');
    await refused(await signRaw(attacker.privateKey, header({ kid: 'no-such-kid' }), claims()));
    await refused(await signRaw(attacker.privateKey, header(), claims()));
    await refused(await signRaw(attacker.privateKey, header({ kid: 'x', jwk: await exportJWK(attacker.publicKey) }), claims()));
  });

  it('refuses the wrong audience, issuer or typ', async () => {
    await refused(await signRaw(ours.privateKey, header(), claims({ aud: 'https://other.example' })));
    await refused(await signRaw(ours.privateKey, header(), claims({ iss: 'https://evil.example' })));
    await refused(await signRaw(ours.privateKey, header({ typ: 'JWT' }), claims()));
    await refused(await signRaw(ours.privateKey, { alg: ours.alg, kid: ours.kid }, claims()));
  });

  it('refuses a token for another session or another user', async () => {
    await refused(await signRaw(ours.privateKey, header(), claims({ sid: 'no-such-session' })));
    await refused(await signRaw(ours.privateKey, header(), claims({ sub: 'someone-else' })));
  });

  it('refuses an expired token and one not valid before a future time', async () => {
    const now = Math.floor(clock.now() / 1000);
    await refused(await signRaw(ours.privateKey, header(), claims({ iat: now - 600, exp: now - 60 })));
    await refused(await signRaw(ours.privateKey, header(), claims({ nbf: now + 120 })));
    // The issued token, once its 15 minutes (plus the 30 s skew) have passed.
    clock.advance(15 * 60_000 + 31_000);
    await refused(pair.access_token);
  });
});

describe('JWKS for relying parties', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('a separate client validates our access tokens through createRemoteJWKSet', async () => {
    const u = await seedUser(t, { email: 'rp@example.com' });
    const pair = await tokenLogin(t.client(), u.email, u.password);
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', t.url));
    const { payload, protectedHeader } = await jwtVerify(pair.access_token, jwks, {
      issuer: t.config.public_url,
      audience: t.config.public_url,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(payload.sub).toBe(u.id);
    expect(protectedHeader.kid).toBeTruthy();
  });
});
