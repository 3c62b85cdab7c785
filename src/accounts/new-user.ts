import type { Insertable } from 'kysely';
import { newId } from '../shared/ids.js';
import { normalizeEmail } from './email.js';
import type { Role, UserStatus } from './roles.js';
import type { UserTable } from './tables.js';

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  passwordHash: string | null;
  emailVerifiedAt: number | null;
  profile?: Record<string, unknown>;
  attributes?: Record<string, unknown>;
}

/** The row for a new user: the email kept as given (trimmed) and its normalized identity form. */
export function newUserRow(u: NewUser, now: number): Insertable<UserTable> {
  const email = u.email.trim();
  return {
    id: newId(now),
    email,
    email_normalized: normalizeEmail(email),
    name: u.name.trim(),
    profile: JSON.stringify(u.profile ?? {}),
    attributes: JSON.stringify(u.attributes ?? {}),
    status: u.status,
    role: u.role,
    password_hash: u.passwordHash,
    email_verified_at: u.emailVerifiedAt,
    single_session: null,
    created_at: now,
    updated_at: now,
    last_login_at: null,
  };
}

/** True when a database error is a unique-constraint violation (SQLite or Postgres). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
