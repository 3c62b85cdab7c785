import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_REREAD_MS } from '../../src/keys/service.js';
import { FakeClock } from '../../src/shared/clock.js';
import { backends } from '../harness/backends.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { expectRefused, goodClaims, kidOf, runGatehouse, sharedDatabase, signRaw } from './helpers.js';

// A real `gatehouse` process starts through tsx: slow on a busy machine, so allow it time.
const CLI_TEST_TIMEOUT = 180_000;

const jwksKids = async (t: TestServer): Promise<string[]> =>
  ((await t.client().get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid);

const eventsOf = async (t: TestServer, type: string) => {
  await t.server.container.events.flush();
  return t.server.container.db.kysely.selectFrom('events').selectAll().where('type', '=', type).execute();
};

describe.each(backends)('signing key rotation (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock });
  });
  afterAll(() => t.close());

  it('`gatehouse keys rotate` switches the signer; old tokens verify in the window and are refused after', async () => {
    const c = t.server.container;
    const oldToken = (await c.jwt.signAccessToken({ sub: 'user-1', sid: 's-1', amr: ['pwd'] })).token;
    const oldKid = kidOf(oldToken);
    // A token the old key signed with an exp beyond the key's window (our signer never makes one):
    // it shows that retirement alone refuses it, even once it sits in the verified-token cache.
    const oldSigner = await c.keys.signer();
    const longLived = await signRaw(
      oldSigner.privateKey,
      { alg: oldSigner.alg, kid: oldSigner.kid, typ: 'at+jwt' },
      goodClaims(t, { exp: Math.floor(clock.now() / 1000) + 10 * 86400 }),
    );
    await expect(c.jwt.verifyAccessToken(longLived)).resolves.toMatchObject({ sub: 'user-1' });

    const cli = await runGatehouse(t, ['keys', 'rotate', '--alg', 'ES256']);
    expect(cli.stderr).toMatch(/now signs/);
    expect(cli.code).toBe(0);
    const newKid = cli.stdout.trim();
    expect(newKid).toMatch(/^[\w-]{43}$/);
    expect(newKid).not.toBe(oldKid);

    // A second instance on the same database signs with the new key at once.
    const b = await startTestServer({
      backend,
      clock: new FakeClock(clock.now()),
      databaseUrl: sharedDatabase(t),
      config: { public_url: t.config.public_url },
    });
    let fromB: string;
    try {
      fromB = (await b.server.container.jwt.signAccessToken({ sub: 'user-2', sid: 's-2', amr: ['pwd'] })).token;
    } finally {
      await b.close();
    }
    expect(kidOf(fromB)).toBe(newKid);

    // The running server meets the unknown kid, re-reads the table (rate-limited by its clock) and accepts.
    clock.advance(KEY_REREAD_MS + 1000);
    await expect(c.jwt.verifyAccessToken(fromB)).resolves.toMatchObject({ sub: 'user-2' });
    expect(await jwksKids(t)).toEqual([newKid, oldKid]);
    const fresh = (await c.jwt.signAccessToken({ sub: 'user-1', sid: 's-1', amr: ['pwd'] })).token;
    expect(kidOf(fresh)).toBe(newKid);

    // During the window the old token still verifies, for us and for a relying party using the JWKS.
    await expect(c.jwt.verifyAccessToken(oldToken)).resolves.toMatchObject({ sub: 'user-1' });
    const remote = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const opts = { issuer: t.config.public_url, audience: t.config.public_url, currentDate: new Date(clock.now()) };
    await expect(jwtVerify(oldToken, remote, opts)).resolves.toBeTruthy();
    await expect(jwtVerify(fresh, remote, opts)).resolves.toBeTruthy();

    const oldRow = await c.db.kysely.selectFrom('signing_keys').selectAll().where('kid', '=', oldKid).executeTakeFirstOrThrow();
    expect(oldRow.status).toBe('verifying');
    // The window covers the longest access token plus skew (plus the re-read allowance).
    expect(oldRow.retire_after! - clock.now()).toBeGreaterThan((t.config.tokens.access_ttl_remember + t.config.tokens.clock_skew) * 1000 - 60_000);

    clock.set(oldRow.retire_after! - 1000);
    await expect(c.jwt.verifyAccessToken(longLived)).resolves.toMatchObject({ sub: 'user-1' });
    expect(await jwksKids(t)).toContain(oldKid);

    clock.set(oldRow.retire_after! + 1);
    await expectRefused(t, longLived);
    await expectRefused(t, oldToken);
    expect(await jwksKids(t)).toEqual([newKid]);
    expect(await c.keys.verificationKey(oldKid)).toBeNull();
    const retiredRow = await c.db.kysely.selectFrom('signing_keys').selectAll().where('kid', '=', oldKid).executeTakeFirstOrThrow();
    expect(retiredRow).toMatchObject({ status: 'retired', retired_at: expect.any(Number) });
    expect((await eventsOf(t, 'signing_key_retired')).map((e) => e.target_id)).toEqual([oldKid]);
    // The new key is untouched by the old one's retirement.
    await expect(c.jwt.verifyAccessToken((await c.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token)).resolves.toBeTruthy();
  }, CLI_TEST_TIMEOUT);

  it('the CLI refuses an unknown algorithm without touching the keys', async () => {
    const before = await jwksKids(t);
    const cli = await runGatehouse(t, ['keys', 'rotate', '--alg', 'HS256']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--alg must be one of EdDSA, ES256, RS256/);
    clock.advance(KEY_REREAD_MS + 1000);
    expect(await jwksKids(t)).toEqual(before);
  }, CLI_TEST_TIMEOUT);
});

describe.each(backends)('automatic signing key rotation (%s)', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  beforeAll(async () => {
    clock = new FakeClock();
    t = await startTestServer({ backend, clock, config: { keys: { rotation_interval: 3600 } } });
  });
  afterAll(() => t.close());

  it('makes a new key the signer once the active one is older than keys.rotation_interval', async () => {
    const c = t.server.container;
    const first = kidOf((await c.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token);
    clock.advance(3000 * 1000);
    expect(kidOf((await c.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token)).toBe(first);

    clock.advance(601 * 1000);
    await c.keys.tick(); // what the background timer does every minute
    const second = kidOf((await c.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token);
    expect(second).not.toBe(first);
    expect(await jwksKids(t)).toEqual([second, first]);
    const rotated = await eventsOf(t, 'signing_key_rotated');
    expect(rotated.map((e) => JSON.parse(e.data) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ kid: second, previous_kid: first, reason: 'scheduled' }),
    );

    // Without the timer, signing itself notices that the key is due (lazily, on its next re-read).
    clock.advance(3601 * 1000);
    const third = kidOf((await c.jwt.signAccessToken({ sub: 'u', sid: 's', amr: ['pwd'] })).token);
    expect(third).not.toBe(second);
    expect(await jwksKids(t)).toEqual([third, second, first]);
  });
});
