import { Type, type Static } from 'typebox';
import { isoTime } from '../shared/clock.js';
import type { SessionRow } from './store.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A session as the API lists it. Never its cookie hash or tokens. */
export const SessionSchema = Type.Object({
  id: Type.String({ description: 'The session id (the `sid` of its access tokens)' }),
  current: Type.Boolean({ description: 'The session this request is made with' }),
  kind: Type.Union([Type.Literal('cookie'), Type.Literal('token'), Type.Literal('oidc')]),
  login_time: Type.String(),
  login_ip: NullableString,
  login_user_agent: NullableString,
  login_location: NullableString,
  last_active: Type.String(),
  last_ip: NullableString,
  last_user_agent: NullableString,
  last_location: NullableString,
  remember_me: Type.Boolean(),
  amr: Type.Array(Type.String()),
  expires_at: Type.String({ description: 'When it ends unless used again (idle), never after its absolute expiry' }),
  absolute_expires_at: Type.String(),
});
export type SessionDto = Static<typeof SessionSchema>;

export const SessionListSchema = Type.Object({ items: Type.Array(SessionSchema) });

/** One session for an admin: also when it ended, with why (kept for `sessions.ended_retention`). */
export const AdminSessionSchema = Type.Object({
  ...SessionSchema.properties,
  user_id: Type.String(),
  revoked_at: NullableString,
  revoked_reason: NullableString,
});

export function toSessionDto(row: SessionRow, currentSid: string | null, idleExpiresAt = row.idle_expires_at): SessionDto {
  return {
    id: row.id,
    current: row.id === currentSid,
    kind: row.kind,
    login_time: isoTime(row.login_time),
    login_ip: row.login_ip,
    login_user_agent: row.login_user_agent,
    login_location: row.login_location,
    last_active: isoTime(row.last_active),
    last_ip: row.last_ip,
    last_user_agent: row.last_user_agent,
    last_location: row.last_location,
    remember_me: row.remember_me === 1,
    amr: JSON.parse(row.amr) as string[],
    expires_at: isoTime(Math.min(Math.max(row.idle_expires_at, idleExpiresAt), row.absolute_expires_at)),
    absolute_expires_at: isoTime(row.absolute_expires_at),
  };
}

export const StatusSchema = Type.Object({
  authenticated: Type.Boolean(),
  user_id: Type.Optional(Type.String()),
  session_id: Type.Optional(Type.String()),
  auth_time: Type.Optional(Type.String()),
  expires_at: Type.Optional(Type.String({ description: 'When the presented credential stops working' })),
  amr: Type.Optional(Type.Array(Type.String())),
  remember_me: Type.Optional(Type.Boolean()),
  via: Type.Optional(Type.Union([Type.Literal('cookie'), Type.Literal('bearer')])),
});

export const SessionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const RevokeAllQuery = Type.Object(
  { include_current: Type.Optional(Type.Boolean({ default: false })) },
  { additionalProperties: false },
);
