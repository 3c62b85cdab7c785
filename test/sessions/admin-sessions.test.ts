import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../harness/backends.js';
import type { Client } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { loginCookie, seedUser } from '../harness/users.js';
import { meStatus, tokenLogin } from '../tokens/helpers.js';

describe.each(backends)("admin: a user's sessions (%s)", (backend) => {
  let t: TestServer;
  let staff: Client;
  let root: Client;
  let plain: Client;
  let target: { id: string; email: string; password: string };
  let superuser: { id: string; email: string; password: string };

  const sessionsOf = (c: Client, userId: string) => c.get(`/api/v1/admin/users/${userId}/sessions`);

  beforeAll(async () => {
    t = await startTestServer({ backend });
    const s = await seedUser(t, { email: 'staff@example.com', role: 'staff' });
    superuser = await seedUser(t, { email: 'root@example.com', role: 'superuser' });
    const p = await seedUser(t, { email: 'pat@example.com' });
    target = await seedUser(t, { email: 'target@example.com' });
    staff = t.client();
    await loginCookie(staff, s.email, s.password);
    root = t.client();
    await loginCookie(root, superuser.email, superuser.password);
    plain = t.client();
    await loginCookie(plain, p.email, p.password);
  });
  afterAll(() => t.close());

  it('lists and ends one session, then all, of a user', async () => {
    const a = await tokenLogin(t.client('127.0.0.11'), target.email, target.password);
    const b = await tokenLogin(t.client('127.0.0.12'), target.email, target.password);
    const listed = await sessionsOf(staff, target.id);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((s: { login_ip: string }) => s.login_ip).sort()).toEqual(['127.0.0.11', '127.0.0.12']);
    expect(listed.body.items.every((s: { current: boolean }) => !s.current)).toBe(true);
    const idOfA = listed.body.items.find((s: { login_ip: string }) => s.login_ip === '127.0.0.11').id;

    expect((await staff.get(`/api/v1/admin/users/${target.id}/sessions/${idOfA}`)).body).toMatchObject({ id: idOfA, revoked_at: null });
    expect((await staff.delete(`/api/v1/admin/users/${target.id}/sessions/${idOfA}`)).status).toBe(204);
    expect(await meStatus(t, a.access_token)).toBe(401);
    // Ended sessions stay readable for audit, with who ended them and why.
    const ended = await staff.get(`/api/v1/admin/users/${target.id}/sessions/${idOfA}`);
    expect(ended.body).toMatchObject({ id: idOfA, user_id: target.id, revoked_reason: 'admin_revoked' });
    expect(ended.body.revoked_at).toBeTruthy();
    expect(await meStatus(t, b.access_token)).toBe(200);
    // A session id of someone else under this user's path is not found.
    const rootSid = (await root.get('/api/v1/auth/status')).body.session_id;
    expect((await staff.delete(`/api/v1/admin/users/${target.id}/sessions/${rootSid}`)).status).toBe(404);

    expect((await staff.delete(`/api/v1/admin/users/${target.id}/sessions`)).status).toBe(204);
    expect(await meStatus(t, b.access_token)).toBe(401);
    expect((await sessionsOf(staff, target.id)).body.items).toEqual([]);
  });

  it("staff may not list or end a superuser's sessions; a superuser may", async () => {
    expect((await sessionsOf(staff, superuser.id)).status).toBe(403);
    expect((await staff.delete(`/api/v1/admin/users/${superuser.id}/sessions`)).status).toBe(403);
    expect((await root.get('/api/v1/me')).status).toBe(200);
    const other = t.client();
    await loginCookie(other, superuser.email, superuser.password);
    const mine = await sessionsOf(root, superuser.id);
    expect(mine.status).toBe(200);
    expect(mine.body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const otherSid = (await other.get('/api/v1/auth/status')).body.session_id;
    expect((await root.delete(`/api/v1/admin/users/${superuser.id}/sessions/${otherSid}`)).status).toBe(204);
    expect((await other.get('/api/v1/me')).status).toBe(401);
  });

  it('refuses non-admins and answers 404 for an unknown user', async () => {
    expect((await sessionsOf(plain, target.id)).status).toBe(403);
    expect((await plain.delete(`/api/v1/admin/users/${target.id}/sessions`)).status).toBe(403);
    expect((await sessionsOf(t.client(), target.id)).status).toBe(401);
    expect((await sessionsOf(staff, 'no-such-user')).status).toBe(404);
  });
});
