import { Type } from 'typebox';
import { eventCatalogue, eventLevels } from '../events/catalogue.js';
import type { EventFilter } from '../events/store.js';
import { AppError, type ProblemItem } from '../errors/app-error.js';

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

/** One event as the admin API and the event stream show it. */
export const EventSchema = Type.Object({
  id: Type.Integer({ description: 'From one database sequence: orders events across instances' }),
  type: Type.String(),
  level: Type.Union(eventLevels.map((l) => Type.Literal(l))),
  time: Type.String({ description: 'RFC 3339, UTC' }),
  actor_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  target_id: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const EventListQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 2000, description: 'Event type, or several separated by commas' })),
    level: Type.Optional(Type.String({ maxLength: 100, description: 'info | notice | warning | critical, or several separated by commas' })),
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Events whose actor or target is this user' })),
    ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    since: Type.Optional(Type.String({ maxLength: 64, description: 'RFC 3339 time: events at or after it' })),
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    page_size: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const EventPage = Type.Object({
  items: Type.Array(EventSchema),
  page: Type.Integer(),
  page_size: Type.Integer(),
  total: Type.Integer(),
  pages: Type.Integer(),
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const splitList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** Turns the query into a store filter; unknown types or levels and bad times are a 400. */
export function parseEventFilter(q: { type?: string; level?: string; user_id?: string; ip?: string; since?: string }): EventFilter {
  const errors: ProblemItem[] = [];
  const types = q.type === undefined ? undefined : splitList(q.type);
  for (const t of types ?? []) {
    if (!Object.hasOwn(eventCatalogue, t)) errors.push({ code: 'enum', message: `unknown event type ${t}`, field: 'query.type' });
  }
  const levels = q.level === undefined ? undefined : splitList(q.level);
  for (const l of levels ?? []) {
    if (!(eventLevels as string[]).includes(l)) errors.push({ code: 'enum', message: `unknown level ${l}`, field: 'query.level' });
  }
  let since: number | undefined;
  if (q.since !== undefined) {
    since = RFC3339.test(q.since) ? Date.parse(q.since) : NaN;
    if (Number.isNaN(since)) errors.push({ code: 'format', message: 'must be an RFC 3339 time', field: 'query.since' });
  }
  if (errors.length) throw new AppError('validation_failed', { detail: 'The request does not match the schema', errors });
  return { types, levels, userId: q.user_id, ip: q.ip, since };
}
