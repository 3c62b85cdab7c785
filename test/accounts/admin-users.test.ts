import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/accounts/email.js';
import { newId } from '../../src/shared/ids.js';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { mailTo, startAccountsServer, STRONG, STRONG2, tryLogin, type AccountsServer } from './helpers.js';

describe.each(backends)('admin users API (%s)', (backend) => {
  let s: AccountsServer;
  let superuser: { id: string; client: Client };
  let staff: { id: string; client: Client };
  let otherSuper: { id: string };

  beforeAll(async () => {
    s = await startAccountsServer(backend);
    const su = await seedUser(s.t, { email: 'root@example.com', role: 'superuser', name: 'Root Admin' });
    const st = await seedUser(s.t, { email: 'staff@example.com', role: 'staff', name: 'Stella Staff' });
    otherSuper = await seedUser(s.t, { email: 'root2@example.com', role: 'superuser' });
    superuser = { id: su.id, client: s.t.client() };
    staff = { id: st.id, client: s.t.client() };
    await loginCookie(superuser.client, su.email, su.password);
    await loginCookie(staff.client, st.email, st.password);
  });
  afterAll(() => s.close());

  it('refuses plain users and anonymous callers', async () => {
    const u = await seedUser(s.t, { email: 'plain@example.com' });
    const c = s.t.client();
    expect((await c.get('/api/v1/admin/users')).status).toBe(401);
    await loginCookie(c, u.email, u.password);
    const r = await c.get('/api/v1/admin/users');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
  });

  it('staff cannot change themselves or a superuser (403)', async () => {
    const self = await staff.client.patch(`/api/v1/admin/users/${staff.id}`, { name: 'Promoted Me' });
    expect(self.status).toBe(403);
    const su = await staff.client.patch(`/api/v1/admin/users/${superuser.id}`, { status: 'disabled' });
    expect(su.status).toBe(403);
    expect((await staff.client.delete(`/api/v1/admin/users/${superuser.id}`)).status).toBe(403);
    expect((await staff.client.post(`/api/v1/admin/users/${superuser.id}/password-reset`)).status).toBe(403);
    // …and nothing changed.
    const check = await superuser.client.get(`/api/v1/admin/users/${superuser.id}`);
    expect(check.body.status).toBe('active');
    expect((await staff.client.get(`/api/v1/admin/users/${staff.id}`)).body.name).toBe('Stella Staff');
  });

  it('grants the superuser role to no one through the API and has no password field on update', async () => {
    const u = await seedUser(s.t, { email: 'climber@example.com' });
    for (const c of [superuser.client, staff.client]) {
      const up = await c.patch(`/api/v1/admin/users/${u.id}`, { role: 'superuser' });
      expect(up.status).toBe(403);
      const made = await c.post('/api/v1/admin/users', { email: `made-${newId()}@example.com`, name: 'Made', role: 'superuser', password: STRONG });
      expect(made.status).toBe(403);
    }
    const pw = await superuser.client.patch(`/api/v1/admin/users/${u.id}`, { password: STRONG2 });
    expect(pw.status).toBe(400);
    expect(await tryLogin(s.t.client(), u.email, STRONG2)).toBe(401);
    // Staff may hand out the staff role.
    const promoted = await staff.client.patch(`/api/v1/admin/users/${u.id}`, { role: 'staff', nickname: 'Clim', attributes: { team: 'ops' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ role: 'staff', nickname: 'Clim', attributes: { team: 'ops' } });
  });

  it('creates users with an initial password, or mails a setup link', async () => {
    const withPw = await staff.client.post('/api/v1/admin/users', { email: 'new.hire@example.com', name: 'New Hire', password: STRONG, locale: 'de-DE' });
    expect(withPw.status).toBe(201);
    expect(withPw.body).toMatchObject({ email: 'new.hire@example.com', role: 'user', status: 'active', locale: 'de-DE', has_password: true });
    expect(await tryLogin(s.t.client(), 'new.hire@example.com', STRONG)).toBe(200);
    expect((await staff.client.post('/api/v1/admin/users', { email: 'NEW.HIRE@example.com', name: 'Dup' })).status).toBe(409);
    const weak = await staff.client.post('/api/v1/admin/users', { email: 'weak.hire@example.com', name: 'Weak', password: 'password1234567' });
    expect(weak.status).toBe(422);

    const noPw = await superuser.client.post('/api/v1/admin/users', { email: 'setup.me@example.com', name: 'Setup Me', role: 'staff' });
    expect(noPw.status).toBe(201);
    expect(noPw.body.has_password).toBe(false);
    const mail = await mailTo(s.mail, 'setup.me@example.com', 'admin_setup');
    const token = s.mail.tokenIn(mail, '/reset-password');
    expect((await s.t.client().post('/api/v1/auth/password/reset', { token, password: STRONG2 })).status).toBe(204);
    expect(await tryLogin(s.t.client(), 'setup.me@example.com', STRONG2)).toBe(200);
  });

  it('sends a reset instead of setting an existing password', async () => {
    const u = await seedUser(s.t, { email: 'needs-reset@example.com', password: STRONG });
    const r = await staff.client.post(`/api/v1/admin/users/${u.id}/password-reset`);
    expect(r.status).toBe(202);
    const token = s.mail.tokenIn(await mailTo(s.mail, u.email, 'password_reset'), '/reset-password');
    // The admin learns no token; the user sets the password through the mailed link.
    expect(r.text).not.toContain(token);
    expect((await s.t.client().post('/api/v1/auth/password/reset', { token, password: STRONG2 })).status).toBe(204);
    expect(await tryLogin(s.t.client(), u.email, STRONG2)).toBe(200);
    expect((await staff.client.post('/api/v1/admin/users/nope/password-reset')).status).toBe(404);
  });

  it('disabling or deleting a user ends their sessions at once', async () => {
    const a = await seedUser(s.t, { email: 'to-disable@example.com' });
    const b = await seedUser(s.t, { email: 'to-delete@example.com' });
    const ca = s.t.client();
    const cb = s.t.client();
    await loginCookie(ca, a.email, a.password);
    await loginCookie(cb, b.email, b.password);
    const off = await staff.client.patch(`/api/v1/admin/users/${a.id}`, { status: 'disabled' });
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('disabled');
    expect((await ca.get('/api/v1/me')).status).toBe(401);
    expect(await tryLogin(s.t.client(), a.email, a.password)).toBe(401);
    expect((await staff.client.delete(`/api/v1/admin/users/${b.id}`)).status).toBe(204);
    expect((await cb.get('/api/v1/me')).status).toBe(401);
    expect((await staff.client.get(`/api/v1/admin/users/${b.id}`)).status).toBe(404);
    await s.t.server.container.events.flush();
    const evs = await s.t.server.container.db.kysely.selectFrom('events').selectAll().where('target_id', 'in', [a.id, b.id]).orderBy('id').execute();
    const kinds = evs.filter((e) => e.actor_id === staff.id).map((e) => [e.type, e.target_id, JSON.parse(e.data).action ?? JSON.parse(e.data).reason ?? null]);
    expect(kinds).toEqual([
      ['session_revoked', a.id, 'user_disabled'],
      ['user_disabled', a.id, null],
      ['user_updated', a.id, null],
      ['admin_action', a.id, 'user.update'],
      ['session_revoked', b.id, 'user_deleted'],
      ['user_deleted', b.id, null],
      ['admin_action', b.id, 'user.delete'],
    ]);
    // Re-enabled, the user can log in again.
    expect((await staff.client.patch(`/api/v1/admin/users/${a.id}`, { status: 'active' })).status).toBe(200);
    expect(await tryLogin(s.t.client(), a.email, a.password)).toBe(200);
  });

  it('answers bulk actions with a summary per id', async () => {
    const x = await seedUser(s.t, { email: 'bulk-x@example.com' });
    const y = await seedUser(s.t, { email: 'bulk-y@example.com', status: 'disabled' });
    const r = await staff.client.post('/api/v1/admin/users/bulk', { ids: [x.id, 'no-such-id', superuser.id, staff.id, y.id], action: 'deactivate' });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { id: x.id, ok: true },
      { id: 'no-such-id', ok: false, code: 'not_found' },
      { id: superuser.id, ok: false, code: 'forbidden' },
      { id: staff.id, ok: false, code: 'forbidden' },
      { id: y.id, ok: true },
    ]);
    const act = await staff.client.post('/api/v1/admin/users/bulk', { ids: [x.id, y.id], action: 'activate' });
    expect(act.body.results.every((e: { ok: boolean }) => e.ok)).toBe(true);
    const del = await staff.client.post('/api/v1/admin/users/bulk', { ids: [x.id], action: 'delete' });
    expect(del.body.results).toEqual([{ id: x.id, ok: true }]);
    expect((await staff.client.post('/api/v1/admin/users/bulk', { ids: [x.id], action: 'explode' })).status).toBe(400);
  });

  it('keeps the last superuser: 409 on delete, demote or disable', async () => {
    // Two superusers: one may go.
    expect((await superuser.client.delete(`/api/v1/admin/users/${otherSuper.id}`)).status).toBe(204);
    const del = await superuser.client.delete(`/api/v1/admin/users/${superuser.id}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('last_superuser');
    expect((await superuser.client.patch(`/api/v1/admin/users/${superuser.id}`, { role: 'staff' })).status).toBe(409);
    expect((await superuser.client.patch(`/api/v1/admin/users/${superuser.id}`, { status: 'disabled' })).status).toBe(409);
    const me = await superuser.client.delete('/api/v1/me', { password: 'a sturdy test passphrase 42' });
    expect(me.status).toBe(409);
    expect(me.body.code).toBe('last_superuser');
    expect((await superuser.client.get('/api/v1/me')).body.role).toBe('superuser');
  });

  it('refuses a cookie POST from a foreign Origin with 403 before acting', async () => {
    const r = await superuser.client.post('/api/v1/admin/users', { email: 'csrf@example.com', name: 'Csrf' }, { headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('csrf_failed');
    const form = await superuser.client.request('POST', '/api/v1/admin/users/bulk', {
      raw: 'ids=x&action=delete',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      noOrigin: true,
    });
    expect(form.status).toBe(403);
    const list = await superuser.client.get('/api/v1/admin/users?q=csrf@');
    expect(list.body.total).toBe(0);
  });

  it('pages 250 users with the right metadata and finds by partial email and name', async () => {
    const c = s.t.server.container;
    const hash = await c.hasher.hash(STRONG);
    const now = Date.now();
    const rows = Array.from({ length: 250 }, (_, i) => {
      const email = `pager${String(i).padStart(3, '0')}@paging.test`;
      return {
        id: newId(now + i),
        email,
        email_normalized: normalizeEmail(email),
        name: i === 77 ? 'Zebulon Quartermaine' : `Pager ${i}`,
        profile: '{}',
        attributes: '{}',
        status: (i % 5 === 0 ? 'disabled' : 'active') as 'disabled' | 'active',
        role: 'user' as const,
        password_hash: hash,
        email_verified_at: now,
        single_session: null,
        created_at: now + i,
        updated_at: now + i,
        last_login_at: null,
      };
    });
    for (let i = 0; i < rows.length; i += 50) await c.db.kysely.insertInto('users').values(rows.slice(i, i + 50)).execute();

    const first = await staff.client.get('/api/v1/admin/users?q=paging.test&page_size=100');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, page_size: 100, total: 250, pages: 3 });
    expect(first.body.items).toHaveLength(100);
    // Newest first by default.
    expect(first.body.items[0].email).toBe('pager249@paging.test');
    const last = await staff.client.get('/api/v1/admin/users?q=paging.test&page_size=100&page=3');
    expect(last.body).toMatchObject({ page: 3, total: 250, pages: 3 });
    expect(last.body.items).toHaveLength(50);
    expect(last.body.items.at(-1).email).toBe('pager000@paging.test');
    const beyond = await staff.client.get('/api/v1/admin/users?q=paging.test&page_size=100&page=4');
    expect(beyond.body.items).toHaveLength(0);
    const sorted = await staff.client.get('/api/v1/admin/users?q=paging.test&sort=email&page_size=200');
    expect(sorted.body).toMatchObject({ page_size: 200, pages: 2 });
    expect(sorted.body.items[0].email).toBe('pager000@paging.test');
    const disabled = await staff.client.get('/api/v1/admin/users?q=paging.test&status=disabled');
    expect(disabled.body.total).toBe(50);
    expect((await staff.client.get('/api/v1/admin/users?page_size=201')).status).toBe(400);
    expect((await staff.client.get('/api/v1/admin/users?sort=password_hash')).status).toBe(400);

    const byEmail = await staff.client.get('/api/v1/admin/users?q=GER12');
    expect(byEmail.body.items.map((u: { email: string }) => u.email).sort()).toEqual(
      ['pager120@paging.test', 'pager121@paging.test', 'pager122@paging.test', 'pager123@paging.test', 'pager124@paging.test',
        'pager125@paging.test', 'pager126@paging.test', 'pager127@paging.test', 'pager128@paging.test', 'pager129@paging.test'].sort(),
    );
    const byName = await staff.client.get('/api/v1/admin/users?q=quarterm');
    expect(byName.body.total).toBe(1);
    expect(byName.body.items[0].name).toBe('Zebulon Quartermaine');
    // LIKE wildcards in q are literal.
    expect((await staff.client.get('/api/v1/admin/users?q=%25')).body.total).toBe(0);
    const staffOnly = await staff.client.get('/api/v1/admin/users?role=staff');
    expect(staffOnly.body.items.every((u: { role: string }) => u.role === 'staff')).toBe(true);
  });
});
