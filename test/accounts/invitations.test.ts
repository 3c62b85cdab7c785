import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { mailTo, startAccountsServer, STRONG, STRONG2, tryLogin, type AccountsServer } from './helpers.js';

describe.each(backends)('invitations (%s)', (backend) => {
  let s: AccountsServer;
  let staff: Client;
  let superuser: Client;

  beforeAll(async () => {
    // Invitations work while self-registration is invite_only (the default).
    s = await startAccountsServer(backend, { registration: 'invite_only' });
    const st = await seedUser(s.t, { email: 'inviter@example.com', role: 'staff', name: 'Ingrid Inviter' });
    const su = await seedUser(s.t, { email: 'boss@example.com', role: 'superuser' });
    staff = s.t.client();
    superuser = s.t.client();
    await loginCookie(staff, st.email, st.password);
    await loginCookie(superuser, su.email, su.password);
  });
  afterAll(() => s.close());

  it('invites by mail; accepting creates the active account once', async () => {
    const r = await staff.post('/api/v1/admin/invitations', { email: 'Guest@Example.com', name: 'Gus Guest', role: 'staff' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: 'Guest@Example.com', name: 'Gus Guest', role: 'staff', status: 'pending', accepted_at: null });
    expect(r.body).not.toHaveProperty('token');
    expect(r.body).not.toHaveProperty('token_hash');
    const days = (Date.parse(r.body.expires_at) - Date.parse(r.body.created_at)) / 86400_000;
    expect(days).toBe(7);

    const mail = await mailTo(s.mail, 'guest@example.com', 'invite');
    expect(mail.text).toContain('Ingrid Inviter');
    const link = s.mail.linkIn(mail, '/invite');
    const page = await s.t.client().get(new URL(link).pathname + new URL(link).search);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-action="invite"');
    const token = s.mail.tokenIn(mail, '/invite');

    const c = s.t.client();
    const weak = await c.post('/api/v1/auth/invitations/accept', { token, name: 'Gus Guest', password: 'short' });
    expect(weak.status).toBe(422);
    const ok = await c.post('/api/v1/auth/invitations/accept', { token, name: 'Gus Guest', password: STRONG });
    expect(ok.status).toBe(201);
    expect(ok.body.user).toMatchObject({ email: 'Guest@Example.com', name: 'Gus Guest', role: 'staff', status: 'active', email_verified: true });
    const again = await c.post('/api/v1/auth/invitations/accept', { token, name: 'Other', password: STRONG2 });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('invalid_link');

    expect(await tryLogin(c, 'guest@example.com', STRONG)).toBe(200);
    await mailTo(s.mail, 'guest@example.com', 'welcome');
    const list = await staff.get('/api/v1/admin/invitations?status=accepted');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, page_size: 50, total: 1, pages: 1 });
    expect(list.body.items[0]).toMatchObject({ email: 'Guest@Example.com', status: 'accepted', user_id: ok.body.user.id });
  });

  it('never grants superuser by invitation, and refuses an address that has an account', async () => {
    const byStaff = await staff.post('/api/v1/admin/invitations', { email: 'wannabe@example.com', role: 'superuser' });
    expect(byStaff.status).toBe(403);
    expect((await superuser.post('/api/v1/admin/invitations', { email: 'wannabe@example.com', role: 'superuser' })).status).toBe(403);
    expect((await staff.post('/api/v1/admin/invitations', { email: 'INVITER@example.com' })).status).toBe(409);
    const plain = await seedUser(s.t, { email: 'plain-inviter@example.com' });
    const pc = s.t.client();
    await loginCookie(pc, plain.email, plain.password);
    expect((await pc.post('/api/v1/admin/invitations', { email: 'x@example.com' })).status).toBe(403);
  });

  it('a revoked invitation cannot be accepted; a newer one replaces an older one', async () => {
    const first = await staff.post('/api/v1/admin/invitations', { email: 'revoked@example.com' });
    const firstMail = await mailTo(s.mail, 'revoked@example.com', 'invite');
    expect((await staff.delete(`/api/v1/admin/invitations/${first.body.id}`)).status).toBe(204);
    expect((await staff.delete(`/api/v1/admin/invitations/${first.body.id}`)).status).toBe(409);
    expect((await staff.delete('/api/v1/admin/invitations/nope')).status).toBe(404);
    const c = s.t.client();
    const token1 = s.mail.tokenIn(firstMail, '/invite');
    expect((await c.post('/api/v1/auth/invitations/accept', { token: token1, name: 'R', password: STRONG })).status).toBe(400);

    const before = s.mail.messages.length;
    const second = await staff.post('/api/v1/admin/invitations', { email: 'revoked@example.com' });
    const secondMail = await mailTo(s.mail, 'revoked@example.com', 'invite', before);
    const before3 = s.mail.messages.length;
    await staff.post('/api/v1/admin/invitations', { email: 'revoked@example.com' });
    const thirdMail = await mailTo(s.mail, 'revoked@example.com', 'invite', before3);
    const list = await staff.get('/api/v1/admin/invitations');
    const mine = list.body.items.filter((i: { email: string }) => i.email === 'revoked@example.com');
    expect(mine.map((i: { status: string }) => i.status)).toEqual(['pending', 'revoked', 'revoked']);
    expect(mine[1].id).toBe(second.body.id);
    expect((await c.post('/api/v1/auth/invitations/accept', { token: s.mail.tokenIn(secondMail, '/invite'), name: 'R', password: STRONG })).status).toBe(400);
    expect((await c.post('/api/v1/auth/invitations/accept', { token: s.mail.tokenIn(thirdMail, '/invite'), name: 'Rae', password: STRONG })).status).toBe(201);
  });
});
