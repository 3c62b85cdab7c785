import { Type, type Static } from 'typebox';
import { isoOrNull, isoTime } from '../shared/clock.js';
import { ProfileFields } from './profile.js';
import type { UserRow } from './store.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** A user as the API shows it: never the password hash. */
export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  ...ProfileFields,
  attributes: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('disabled')]),
  role: Type.Union([Type.Literal('superuser'), Type.Literal('staff'), Type.Literal('user')]),
  email_verified: Type.Boolean(),
  email_verified_at: Nullable(Type.String()),
  has_password: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
  last_login_at: Nullable(Type.String()),
});
export type UserDto = Static<typeof UserSchema>;

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    ...(JSON.parse(row.profile) as Record<string, unknown>),
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    status: row.status,
    role: row.role,
    email_verified: row.email_verified_at !== null,
    email_verified_at: isoOrNull(row.email_verified_at),
    has_password: row.password_hash !== null,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
    last_login_at: isoOrNull(row.last_login_at),
  };
}
