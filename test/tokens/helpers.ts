import { expect } from 'vitest';
import type { Client, Reply } from '../harness/client.js';
import type { TestServer } from '../harness/server.js';

export interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  refresh_expires_in: number;
}

/** API login; throws unless it answered a token pair. */
export async function tokenLogin(c: Client, email: string, password: string, rememberMe = false): Promise<Pair> {
  const r = await c.post('/api/v1/auth/token', { email, password, remember_me: rememberMe });
  if (r.status !== 200) throw new Error(`token login of ${email} failed: ${r.status} ${r.text}`);
  return r.body as Pair;
}

export const refresh = (c: Client, token: string): Promise<Reply> => c.post('/api/v1/auth/refresh', { refresh_token: token });

/** GET /api/v1/me with a bearer token (no cookies), answering the status. */
export async function meStatus(t: TestServer, accessToken: string, localAddress?: string): Promise<number> {
  const r = await t.client(localAddress).get('/api/v1/me', { headers: { authorization: `Bearer ${accessToken}` } });
  return r.status;
}

export function expectProblem(r: Reply, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
}

/** Stored events of a type (after flushing the write-behind queue). */
export async function storedEvents(t: TestServer, type: string): Promise<Array<{ data: Record<string, unknown>; target_id: string | null }>> {
  const c = t.server.container;
  await c.events.flush();
  const rows = await c.db.kysely.selectFrom('events').selectAll().where('type', '=', type).orderBy('id').execute();
  return rows.map((r) => ({ data: JSON.parse(r.data) as Record<string, unknown>, target_id: r.target_id }));
}

/** Polls `check` until it returns true (background work such as the activity flush); fails after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
