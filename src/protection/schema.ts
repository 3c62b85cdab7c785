import { Type } from 'typebox';
import { isoOrNull, isoTime } from '../shared/clock.js';
import type { BlacklistRow, NetworkRuleRow } from './store.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const BlacklistEntry = Type.Object({
  id: Type.String(),
  cidr: Type.String({ description: 'An address or a range, canonical form' }),
  reason: Nullable(Type.String()),
  source: Type.Union([Type.Literal('manual'), Type.Literal('auto')]),
  created_at: Type.String(),
  expires_at: Nullable(Type.String({ description: 'RFC 3339; null = permanent' })),
});

export const BlacklistQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    page_size: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const BlacklistPage = Type.Object({
  items: Type.Array(BlacklistEntry),
  page: Type.Integer(),
  page_size: Type.Integer(),
  total: Type.Integer(),
  pages: Type.Integer(),
});

export const NewBlacklistEntry = Type.Object(
  {
    cidr: Type.String({ minLength: 2, maxLength: 64, description: 'IPv4 or IPv6 address, or CIDR range' }),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'RFC 3339; omitted or null = permanent' }))),
  },
  { additionalProperties: false },
);

export const NetworkRule = Type.Object(
  {
    action: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    cidr: Type.String({ minLength: 2, maxLength: 64 }),
    scope: Type.Union([Type.Literal('all'), Type.Literal('admin'), Type.Literal('login')], {
      description: 'all = every route but /health; admin = /api/v1/admin/*; login = /api/v1/auth/*',
    }),
  },
  { additionalProperties: false },
);

export const NetworkRules = Type.Object({ rules: Type.Array(NetworkRule, { maxItems: 500 }) }, { additionalProperties: false });

export const LockoutStatus = Type.Object({
  locked: Type.Boolean(),
  locked_until: Nullable(Type.String()),
  failures: Type.Integer({ description: 'Consecutive failed password logins counted so far' }),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function toBlacklistDto(row: BlacklistRow) {
  return {
    id: row.id,
    cidr: row.cidr,
    reason: row.reason,
    source: row.source,
    created_at: isoTime(row.created_at),
    expires_at: isoOrNull(row.expires_at),
  };
}

export const toRuleDto = (r: NetworkRuleRow) => ({ action: r.action, cidr: r.cidr, scope: r.scope });
