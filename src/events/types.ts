import type { EventLevel, EventType } from './catalogue.js';

/** Who did what to whom, from where. `data` must never hold secrets. */
export interface EventInput {
  actor_id?: string | null;
  ip?: string | null;
  user_agent?: string | null;
  target_id?: string | null;
  data?: Record<string, unknown>;
}

/** A recorded event as the API shows it. */
export interface RecordedEvent {
  id: number;
  type: EventType;
  level: EventLevel;
  time: string;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
}

/** A stored row as the API shows it (RFC 3339 time, parsed data). */
export function toRecordedEvent(row: {
  id: number;
  type: string;
  level: string;
  time: number;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  target_id: string | null;
  data: string;
}): RecordedEvent {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(row.data) as Record<string, unknown>;
  } catch {
    data = {};
  }
  return {
    id: Number(row.id),
    type: row.type as EventType,
    level: row.level as EventLevel,
    time: new Date(Number(row.time)).toISOString(),
    actor_id: row.actor_id,
    ip: row.ip,
    user_agent: row.user_agent,
    target_id: row.target_id,
    data,
  };
}
