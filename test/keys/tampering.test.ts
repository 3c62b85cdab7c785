import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '../../src/keys/service.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { assemble, expectRefused, goodClaims, signRaw } from './helpers.js';

const cases = backends.flatMap((b) => (['EdDSA', 'RS256'] as const).map((alg) => [b, alg] as const));

/** Security checklist rows 37–39 against the one verifier (no HTTP route takes bearer tokens yet). */
describe.each(cases)('access token tampering (%s, %s)', (backend, alg) => {
  let t: TestServer;
  let clock: FakeClock;
  let ours: Signer;
  let attacker: { privateKey: CryptoKey; publicJwk: JWK };
  let jkuHits = 0;
  let jkuServer: http.Server;
  let jkuUrl: string;

  const verify = (token: string) => t.server.container.jwt.verifyAccessToken(token);
  const header = (over: Record<string, unknown> = {}) => ({ alg: ours.alg, kid: ours.kid, typ: 'at+jwt', ...over });

  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock, config: { tokens: { algorithm: alg } } });
    ours = await t.server.container.keys.signer();
    const pair = await generateKeyPair(alg, { extractable: true });
    attacker = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', alg } };
    // An attacker-controlled key set: the verifier must never fetch it.
    jkuServer = http.createServer((_req, res) => {
      jkuHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [attacker.publicJwk] }));
    });
    await new Promise<void>((resolve) => jkuServer.listen(0, '127.0.0.1', resolve));
    jkuUrl = `http://127.0.0.1:${(jkuServer.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => jkuServer.close(resolve));
    await t.close();
  });

  it('accepts a well-formed token signed by our key (the baseline every refusal below departs from)', async () => {
    await expect(verify(await signRaw(ours.privateKey, header(), goodClaims(t)))).resolves.toMatchObject({ sub: 'user-1' });
    const issued = await t.server.container.jwt.signAccessToken({ sub: 'user-1', sid: 'session-1', amr: ['pwd'] });
    await expect(verify(issued.token)).resolves.toMatchObject({ sub: 'user-1', jti: issued.jti });
  });

  it('refuses a token with one payload byte changed', async () => {
    const good = (await t.server.container.jwt.signAccessToken({ sub: 'user-1', sid: 'session-1', amr: ['pwd'] })).token;
    await expect(verify(good)).resolves.toBeTruthy(); // now cached: the cache must not answer for a different token
    const [h, p, s] = good.split('.') as [string, string, string];
    const bytes = Buffer.from(p, 'base64url');
    const at = bytes.indexOf('user-1') + 5;
    bytes[at] = bytes[at]! ^ 0x01; // sub "user-1" → "user-0"
    await expectRefused(t, `${h}.${bytes.toString('base64url')}.${s}`);
    const i = Math.floor(p.length / 2);
    await expectRefused(t, `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`);
    await expectRefused(t, `${h}.${p}.${s.slice(0, -4)}AAAA`);
  });

  it('refuses alg:none, with or without a signature', async () => {
    const good = (await t.server.container.jwt.signAccessToken({ sub: 'user-1', sid: 'session-1', amr: ['pwd'] })).token;
    const sig = good.split('.')[2]!;
    for (const alg of ['none', 'None', 'NONE']) {
      await expectRefused(t, assemble(header({ alg }), goodClaims(t)));
      await expectRefused(t, assemble(header({ alg }), goodClaims(t), sig));
    }
  });

  it('refuses HS256 tokens keyed with our public key (key confusion)', async () => {
    const published = (await t.client().get('/.well-known/jwks.json')).body.keys[0] as JWK;
    const pem = await exportSPKI((await importJWK(published, published.alg, { extractable: true })) as CryptoKey);
    const secrets = [pem, pem.trim(), JSON.stringify(published), Buffer.from((published.n ?? published.x)!, 'base64url')];
    for (const secret of secrets) {
      for (const h of [header({ alg: 'HS256' }), { alg: 'HS256', typ: 'at+jwt' }]) {
        const unsigned = assemble(h, goodClaims(t)).slice(0, -1);
        const sig = createHmac('sha256', secret).update(unsigned).digest('base64url');
        await expectRefused(t, `${unsigned}.${sig}`);
      }
    }
  });

  it('ignores jku, x5u and jwk headers: never fetched, never trusted', async () => {
    const claims = goodClaims(t);
    const forged = { alg, typ: 'at+jwt' };
    await expectRefused(t, await signRaw(attacker.privateKey, { ...forged, jwk: attacker.publicJwk }, claims));
    await expectRefused(t, await signRaw(attacker.privateKey, { ...forged, kid: 'attacker', jku: jkuUrl }, claims));
    await expectRefused(t, await signRaw(attacker.privateKey, { ...forged, kid: 'attacker', x5u: jkuUrl }, claims));
    await expectRefused(t, await signRaw(attacker.privateKey, { ...forged, kid: ours.kid, jwk: attacker.publicJwk, jku: jkuUrl }, claims));
    // Our own signature with the same headers verifies: the headers play no part.
    await expect(verify(await signRaw(ours.privateKey, header({ jku: jkuUrl, x5u: jkuUrl, jwk: attacker.publicJwk }), claims))).resolves.toBeTruthy();
    expect(jkuHits).toBe(0);
  });

  it('refuses an unknown kid, a missing kid and an alg that differs from the key’s', async () => {
    clock.advance(10_000); // past the re-read limit, so the unknown kid really is looked up again
    await expectRefused(t, await signRaw(attacker.privateKey, { alg, typ: 'at+jwt', kid: 'no-such-kid' }, goodClaims(t)));
    await expectRefused(t, await signRaw(ours.privateKey, { alg: ours.alg, typ: 'at+jwt' }, goodClaims(t)));
    const other = alg === 'EdDSA' ? 'ES256' : 'PS256';
    const pair = await generateKeyPair(other);
    await expectRefused(t, await signRaw(pair.privateKey, header({ alg: other }), goodClaims(t)));
  });

  it('refuses an expired token, within the documented 30 s skew only', async () => {
    expect(t.config.tokens.clock_skew).toBe(30);
    const { token, exp } = await t.server.container.jwt.signAccessToken({ sub: 'user-1', sid: 'session-1', amr: ['pwd'], ttlSeconds: 60 });
    await expect(verify(token)).resolves.toBeTruthy();
    clock.set(exp * 1000 + 29_000);
    await expect(verify(token)).resolves.toBeTruthy();
    clock.set(exp * 1000 + 31_000);
    await expectRefused(t, token);
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { exp: Math.floor(clock.now() / 1000) - 31 })));
  });

  it('refuses a token not yet valid (nbf, iat) beyond the skew', async () => {
    const now = Math.floor(clock.now() / 1000);
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { nbf: now + 31 })));
    await expect(verify(await signRaw(ours.privateKey, header(), goodClaims(t, { nbf: now + 20 })))).resolves.toBeTruthy();
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { iat: now + 120, exp: now + 600 })));
  });

  it('refuses the wrong audience or issuer', async () => {
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { aud: 'https://other.example' })));
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { aud: 'some-client-id' })));
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { iss: 'https://evil.example' })));
    const { aud: _aud, ...noAud } = goodClaims(t);
    await expectRefused(t, await signRaw(ours.privateKey, header(), noAud));
  });

  it('refuses other token types: an ID token (typ JWT), no typ, a refresh token', async () => {
    const idToken = goodClaims(t, { aud: 'client-1', nonce: 'n', auth_time: Math.floor(clock.now() / 1000) });
    await expectRefused(t, await signRaw(ours.privateKey, header({ typ: 'JWT' }), idToken));
    await expectRefused(t, await signRaw(ours.privateKey, header({ typ: 'JWT' }), goodClaims(t)));
    await expectRefused(t, await signRaw(ours.privateKey, { alg: ours.alg, kid: ours.kid }, goodClaims(t)));
    await expectRefused(t, await signRaw(ours.privateKey, header({ typ: 'logout+jwt' }), goodClaims(t)));
    for (const junk of ['', 'x', 'a.b.c', 'kLkq3Pq8yX5kNn3Qm7m0V0x8x2mZQz1aKc8qv9GQm3Q', 'A'.repeat(9000)]) await expectRefused(t, junk);
  });

  it('refuses tokens missing the claims an access token must carry', async () => {
    for (const claim of ['sub', 'sid', 'jti', 'exp', 'iat', 'amr']) {
      const claims = goodClaims(t) as Record<string, unknown>;
      delete claims[claim];
      await expectRefused(t, await signRaw(ours.privateKey, header(), claims));
    }
    await expectRefused(t, await signRaw(ours.privateKey, header(), goodClaims(t, { amr: 'pwd' })));
  });
});

describe.each(backends)('configured audience (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ backend, config: { tokens: { audience: 'https://api.example' } } });
  });
  afterAll(() => t.close());

  it('issues tokens for tokens.audience and refuses ones for the public URL', async () => {
    const jwt = t.server.container.jwt;
    const { token } = await jwt.signAccessToken({ sub: 'user-1', sid: 'session-1', amr: ['pwd'] });
    await expect(jwt.verifyAccessToken(token)).resolves.toMatchObject({ aud: 'https://api.example', iss: t.config.public_url });
    const ours = await t.server.container.keys.signer();
    const forPublicUrl = await signRaw(ours.privateKey, { alg: ours.alg, kid: ours.kid, typ: 'at+jwt' }, goodClaims(t));
    await expectRefused(t, forPublicUrl);
  });
});
