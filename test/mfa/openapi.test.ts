import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server.js';

describe('MFA in the OpenAPI document', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('documents the MFA endpoints, the enrolment token scheme and the MFA login answers', async () => {
    const doc = (await t.client().get('/api/openapi.json')).body;
    expect(doc.components.securitySchemes.mfaToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    for (const p of [
      '/api/v1/auth/mfa/challenge',
      '/api/v1/auth/mfa/verify',
      '/api/v1/auth/passkey/options',
      '/api/v1/auth/passkey/verify',
      '/api/v1/me/mfa',
      '/api/v1/me/mfa/totp',
      '/api/v1/me/mfa/totp/confirm',
      '/api/v1/me/mfa/email',
      '/api/v1/me/mfa/email/confirm',
      '/api/v1/me/mfa/sms',
      '/api/v1/me/mfa/sms/confirm',
      '/api/v1/me/mfa/recovery-codes',
      '/api/v1/me/mfa/{id}',
      '/api/v1/me/passkeys',
      '/api/v1/me/passkeys/options',
      '/api/v1/me/passkeys/{id}',
      '/api/v1/me/devices',
      '/api/v1/me/devices/{id}',
      '/api/v1/admin/users/{id}/mfa',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/api/v1/me/mfa/totp'].post.security).toEqual([{ bearer: [] }, { mfaToken: [] }]);
    const login = JSON.stringify(doc.paths['/api/v1/auth/login'].post.responses['200']);
    expect(login).toContain('mfa_required');
    expect(login).toContain('mfa_enrollment_required');
    expect(JSON.stringify(doc.paths['/api/v1/auth/token'].post.responses['200'])).toContain('mfa_token');
  });
});
