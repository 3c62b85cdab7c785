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
