import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { SoftAuthenticator } from '../harness/webauthn.js';
import { expectProblem, passwordStep } from './helpers.js';

describe.each(backends)('passkeys (%s)', (backend) => {
  let t: TestServer;
  let user: { id: string; email: string; password: string };
  let laptop: SoftAuthenticator;

  beforeAll(async () => {
    t = await startTestServer({ backend, config: { protection: { ladder: [] } } });
    user = await seedUser(t, { email: 'pia@example.com' });
    laptop = new SoftAuthenticator(t.url, '127.0.0.1');
  });
  afterAll(() => t.close());

  async function register(c: Client, auth: SoftAuthenticator, name: string) {
    const options = await c.post('/api/v1/me/passkeys/options', {});
    expect(options.status).toBe(200);
    return c.post('/api/v1/me/passkeys', { name, response: auth.create(options.body) });
  }

  it('registers several passkeys (attestation none, ES256), names, lists and renames them', async () => {
    const c = t.client();
    await loginCookie(c, user.email, user.password);
    const options = await c.post('/api/v1/me/passkeys/options', {});
    expect(options.body).toMatchObject({ rp: { id: '127.0.0.1', name: 'Gatehouse' }, attestation: 'none', excludeCredentials: [] });
    expect(Buffer.from(options.body.user.id, 'base64url').toString()).toBe(user.id);
    const first = await c.post('/api/v1/me/passkeys', { name: 'laptop', response: laptop.create(options.body) });
    expect(first.status).toBe(201);
    expect(first.body.passkey).toMatchObject({ name: 'laptop', backed_up: false });
    expect(first.body.login).toBeUndefined();
    // The same challenge cannot register a second key.
    const replay = await c.post('/api/v1/me/passkeys', { name: 'again', response: new SoftAuthenticator(t.url, '127.0.0.1').create(options.body) });
    expectProblem(replay, 401, 'mfa_invalid');

    const phone = new SoftAuthenticator(t.url, '127.0.0.1', { backedUp: true });
    const o2 = await c.post('/api/v1/me/passkeys/options', {});
    expect(o2.body.excludeCredentials.map((x: { id: string }) => x.id)).toEqual([laptop.credentials[0]!.id.toString('base64url')]);
    const second = await c.post('/api/v1/me/passkeys', { name: 'phone', response: phone.create(o2.body) });
    expect(second.status).toBe(201);
    expect(second.body.passkey).toMatchObject({ name: 'phone', backed_up: true, device_type: 'multiDevice' });
    const list = await c.get('/api/v1/me/passkeys');
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['laptop', 'phone']);
    expect((await c.patch(`/api/v1/me/passkeys/${second.body.passkey.id}`, { name: 'pixel' })).status).toBe(204);
    expect((await c.get('/api/v1/me/mfa')).body.methods.map((m: { type: string; name: string }) => [m.type, m.name])).toEqual([
      ['passkey', 'laptop'],
      ['passkey', 'pixel'],
    ]);
  });

  /** A cookie session through password + the laptop passkey. */
  async function mfaSession(c: Client): Promise<void> {
    const step = await passwordStep(c, user.email, user.password);
    const o = (await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'passkey' })).body;
    const r = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'passkey', response: laptop.get(o) });
    expect(r.status).toBe(200);
  }

  it('refuses a registration made for another origin or relying party', async () => {
    const c = t.client();
    await mfaSession(c);
    const evil = await register(c, new SoftAuthenticator('https://evil.example', '127.0.0.1'), 'evil');
    expectProblem(evil, 401, 'mfa_invalid');
    const options = (await c.post('/api/v1/me/passkeys/options', {})).body;
    const otherRp = new SoftAuthenticator(t.url, 'evil.example').create({ ...options, rp: { id: 'evil.example' } });
    expectProblem(await c.post('/api/v1/me/passkeys', { name: 'rp', response: otherRp }), 401, 'mfa_invalid');
    expect((await c.get('/api/v1/me/passkeys')).body.items).toHaveLength(2);
  });

  it('is a second factor: challenge answers request options, verify takes the assertion (amr pwd, hwk, mfa)', async () => {
    const c = t.client();
    const step = await passwordStep(c, user.email, user.password, { mode: 'token' });
    expect(step.methods).toEqual(['passkey']);
    const options = await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'passkey' });
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toHaveLength(2);
    expect(options.body.rpId).toBe('127.0.0.1');
    const assertion = laptop.get(options.body);
    const r = await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'passkey', response: assertion });
    expect(r.status).toBe(200);
    expect(decodeJwt(r.body.access_token).amr).toEqual(['pwd', 'hwk', 'mfa']);
    // The same assertion again, on a new login: its challenge was used up.
    const s2 = await passwordStep(c, user.email, user.password);
    expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: s2.token, method: 'passkey', response: assertion }), 401, 'mfa_invalid');
  });

  it('refuses assertions for another origin, another RP, or another login', async () => {
    const c = t.client();
    const step = await passwordStep(c, user.email, user.password);
    const opts1 = (await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'passkey' })).body;
    const phished = laptop.get(opts1, { origin: 'https://evil.example' });
    expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'passkey', response: phished }), 401, 'mfa_invalid');
    const opts2 = (await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'passkey' })).body;
    const wrongRp = laptop.get(opts2, { rpId: 'evil.example' });
    expectProblem(await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'passkey', response: wrongRp }), 401, 'mfa_invalid');
    // Options of one login do not serve another.
    const other = t.client();
    const s2 = await passwordStep(other, user.email, user.password);
    const opts3 = (await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'passkey' })).body;
    expectProblem(await other.post('/api/v1/auth/mfa/verify', { mfa_token: s2.token, method: 'passkey', response: laptop.get(opts3) }), 401, 'mfa_invalid');
    // A fresh, honest assertion still works (three failures are below the lock).
    const opts4 = (await c.post('/api/v1/auth/mfa/challenge', { mfa_token: step.token, method: 'passkey' })).body;
    expect((await c.post('/api/v1/auth/mfa/verify', { mfa_token: step.token, method: 'passkey', response: laptop.get(opts4) })).status).toBe(200);
  });

  it('logs in without a password when allowed, only with user verification', async () => {
    const c = t.client();
    const options = await c.post('/api/v1/auth/passkey/options', { email: user.email });
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ userVerification: 'required', rpId: '127.0.0.1' });
    expect(options.body.allowCredentials ?? []).toEqual([]);
    expect(options.body.challenge_id).toBeDefined();
    // The same answer shape for an unknown email: no account is revealed.
    const unknown = await c.post('/api/v1/auth/passkey/options', { email: 'nobody@example.com' });
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(options.body).sort());
    const r = await c.post('/api/v1/auth/passkey/verify', { challenge_id: options.body.challenge_id, response: laptop.get(options.body), mode: 'cookie' });
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe(user.email);
    expect((await c.get('/api/v1/auth/status')).body.amr).toEqual(['hwk', 'mfa']);

    // The same key, but the authenticator did not verify the user (no PIN or biometrics).
    const noUv = new SoftAuthenticator(t.url, '127.0.0.1', { userVerified: false });
    const o2 = await t.client().post('/api/v1/auth/passkey/options', {});
    noUv.credentials.push(...laptop.credentials);
    const refused = await t.client().post('/api/v1/auth/passkey/verify', { challenge_id: o2.body.challenge_id, response: noUv.get(o2.body), mode: 'token' });
    expectProblem(refused, 401, 'invalid_credentials');
  });

  it('removing a passkey needs the password', async () => {
    const c = t.client();
    await mfaSession(c);
    const items = (await c.get('/api/v1/me/passkeys')).body.items as Array<{ id: string; name: string }>;
    const pixel = items.find((p) => p.name === 'pixel')!;
    expectProblem(await c.delete(`/api/v1/me/passkeys/${pixel.id}`, {}), 401, 'reauth_required');
    expectProblem(await c.delete(`/api/v1/me/passkeys/${pixel.id}`, { password: 'not the password at all' }), 401, 'reauth_required');
    expect((await c.delete(`/api/v1/me/passkeys/${pixel.id}`, { password: user.password })).status).toBe(204);
    expect((await c.get('/api/v1/me/passkeys')).body.items.map((p: { name: string }) => p.name)).toEqual(['laptop']);
  });
});

describe('passwordless passkeys switched off', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { mfa: { passkey_passwordless: false } } });
  });
  afterAll(() => t.close());

  it('answers 404 for the passwordless endpoints', async () => {
    expectProblem(await t.client().post('/api/v1/auth/passkey/options', {}), 404, 'not_found');
  });
});
