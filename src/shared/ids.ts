import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Sortable unique id (ULID, 26 chars), the same text on SQLite and Postgres. */
export const newId = (nowMs?: number): string => nextUlid(nowMs);
