import { Type } from 'typebox';
import { ProfileFields } from '../accounts/profile.js';
import { Email, Name, NewPassword } from '../accounts/route-schemas.js';
import { UserSchema } from '../accounts/schema.js';
import { userSortKeys } from '../accounts/store.js';

const strict = { additionalProperties: false } as const;

export const RoleSchema = Type.Union([Type.Literal('superuser'), Type.Literal('staff'), Type.Literal('user')]);
export const StatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('disabled')]);
const Attributes = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 100 });

export const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const UserListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(StatusSchema),
    role: Type.Optional(RoleSchema),
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    page_size: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    sort: Type.String({ pattern: `^-?(${userSortKeys.join('|')})$`, default: '-created_at' }),
  },
  strict,
);

export const UserPage = Type.Object({
  items: Type.Array(UserSchema),
  page: Type.Integer(),
  page_size: Type.Integer(),
  total: Type.Integer(),
  pages: Type.Integer(),
});

export const AdminCreateBody = Type.Object(
  {
    email: Email,
    name: Name,
    password: Type.Optional(NewPassword),
    role: Type.Optional(RoleSchema),
    status: Type.Optional(StatusSchema),
    email_verified: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(Attributes),
    ...ProfileFields,
  },
  strict,
);

/** No password field: an admin never sets an existing user's password (they send a reset). */
export const AdminUpdateBody = Type.Object(
  {
    email: Type.Optional(Email),
    name: Type.Optional(Name),
    role: Type.Optional(RoleSchema),
    status: Type.Optional(StatusSchema),
    email_verified: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(Attributes),
    ...ProfileFields,
  },
  { ...strict, minProperties: 1 },
);

export const BulkBody = Type.Object(
  {
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 200 }),
    action: Type.Union([Type.Literal('activate'), Type.Literal('deactivate'), Type.Literal('delete')]),
  },
  strict,
);

export const BulkReply = Type.Object({
  results: Type.Array(Type.Object({ id: Type.String(), ok: Type.Boolean(), code: Type.Optional(Type.String()) })),
});
