import { sql, type Kysely } from 'kysely';
import type { PreparedQuery } from '../db/connect.js';
import type { Database } from '../db/database.js';
import type { SessionRow } from '../sessions/store.js';
import type { RotateArgs, Rotated } from './refresh-store.js';

type RotatedRow = SessionRow & { refresh_expires_at: number };

/**
 * A rotation on Postgres as one statement, so one round trip instead of six (BEGIN, four
 * statements, COMMIT). The consuming UPDATE is the same conditional one as elsewhere: of two
 * racers the second waits on the row lock, re-checks `consumed_at is null` and gets no row, so
 * nothing downstream of it runs. The new expiries follow `planRotation` (refresh-store.ts): the
 * refresh lifetime and the slid idle expiry, both capped at the session's absolute expiry.
 * With `prepared` (db/connect.ts) the statement is parsed and planned once per connection.
 */
export async function rotateOnPostgres(db: Kysely<Database>, a: RotateArgs, prepared?: PreparedQuery): Promise<Rotated> {
  const { now, policy } = a;
  const query = sql<RotatedRow>`
    with consumed as (
      update refresh_tokens set consumed_at = ${now}::bigint, replaced_by = ${a.next.id}
      where token_hash = ${a.hash} and consumed_at is null and expires_at > ${now}::bigint
        and exists (select 1 from sessions s where s.id = refresh_tokens.session_id and s.revoked_at is null
          and s.idle_expires_at > ${now}::bigint and s.absolute_expires_at > ${now}::bigint)
      returning session_id
    ), slid as (
      update sessions set idle_expires_at = least(sessions.absolute_expires_at, ${now}::bigint +
        case when sessions.remember_me = 1 then ${policy.idleTtlMs.remember}::bigint else ${policy.idleTtlMs.normal}::bigint end)
      from consumed where sessions.id = consumed.session_id
      returning sessions.*
    ), issued as (
      insert into refresh_tokens (id, session_id, token_hash, created_at, expires_at, consumed_at, replaced_by)
      select ${a.next.id}, slid.id, ${a.next.hash}, ${now}::bigint, least(slid.absolute_expires_at, ${now}::bigint +
        case when slid.remember_me = 1 then ${policy.refreshTtlMs.remember}::bigint else ${policy.refreshTtlMs.normal}::bigint end), null, null
      from slid
      returning expires_at
    )
    select slid.*, issued.expires_at as refresh_expires_at from slid, issued`.compile(db);
  const rows = prepared ? await prepared<RotatedRow>('gatehouse_rotate_refresh', query) : (await db.executeQuery(query)).rows;
  const row = rows[0];
  if (!row) return undefined;
  const { refresh_expires_at: refreshExpiresAt, ...session } = row;
  return { session: session as SessionRow, refreshExpiresAt };
}
