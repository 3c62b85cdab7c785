import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../errors/app-error.js';
import type { EventService } from '../events/service.js';
import type { EventStore } from '../events/store.js';
import { toRecordedEvent, type RecordedEvent } from '../events/types.js';
import { requireRole, type Authenticator } from '../http/auth.js';

const ADMIN_ROLES = ['staff', 'superuser'] as const;
const REPLAY_PAGE = 200;
/** A client this far behind is cut off; it reconnects with Last-Event-ID and replays from the database. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Live events held back while a replay runs; beyond this the client is cut off the same way. */
const MAX_HELD_EVENTS = 10_000;
/** Sent first: how long a browser waits before reconnecting (ms). */
const RETRY_MS = 3000;

const StreamQuery = Type.Object(
  {
    last_event_id: Type.Optional(
      Type.String({ pattern: '^\\d{1,15}$', description: 'Resume after this event id (for clients that cannot send Last-Event-ID)' }),
    ),
  },
  { additionalProperties: false },
);

/** One SSE frame. JSON never contains a raw newline, so `data` is always a single line. */
export const sseFrame = (e: RecordedEvent): string => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

export interface EventStreamOptions {
  events: EventService;
  store: EventStore;
  authenticator: Authenticator;
  /** Comment + credential re-check interval (ms); 0 = none. */
  heartbeatMs: number;
  /** Revocations on any instance (sessions service), so a revoked admin's stream ends at once. */
  onSessionRevoked?: (listener: (sessionId: string) => void) => () => void;
  /**
   * Whether a session is still live, read without noting activity: an open stream must not keep
   * an otherwise idle session alive, so it ends once the session idles out or expires.
   */
  sessionLive: (sessionId: string) => Promise<boolean>;
}

/**
 * GET /api/v1/admin/events/stream: Server-Sent Events for admins (cookie or bearer; browsers'
 * EventSource can only send the cookie). On connect it subscribes to the cluster-wide feed first
 * and buffers, then replays stored events after Last-Event-ID up to the feed's cursor, then
 * drains the buffer: every event is sent once, in id order, with no gap between replay and live.
 */
export async function adminEventStreamRoutes(app: FastifyInstance, opts: EventStreamOptions) {
  const open = new Set<() => void>();
  // Open streams never finish on their own: end them when shutdown starts, or close() would wait
  // for them until the grace period runs out.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/api/v1/admin/events/stream',
    {
      preHandler: requireRole(opts.authenticator, ...ADMIN_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Live security events (text/event-stream); Last-Event-ID resumes from the stored events',
        security: [{ bearer: [] }],
        querystring: StreamQuery,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.String({ description: 'text/event-stream: frames `id`, `event` (the type), `data` (the event JSON)' }) },
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const given = typeof header === 'string' && header.trim() !== '' ? header.trim() : (request.query as Static<typeof StreamQuery>).last_event_id;
      if (given !== undefined && !/^\d{1,15}$/.test(given)) {
        throw new AppError('validation_failed', {
          detail: 'Last-Event-ID must be an event id',
          errors: [{ code: 'pattern', message: 'must be a non-negative integer', field: 'headers.last-event-id' }],
        });
      }
      const auth = request.auth!;
      const out = new PassThrough();
      const buffer: RecordedEvent[] = [];
      let replaying = true;
      let closed = false;
      let lastSent = 0;

      const write = (chunk: string) => {
        if (closed) return;
        out.write(chunk);
        if (out.writableLength + out.readableLength > MAX_BUFFERED_BYTES) end();
      };
      const send = (e: RecordedEvent) => {
        if (e.id <= lastSent) return;
        lastSent = e.id;
        write(sseFrame(e));
      };
      const sub = await opts.events.feed.subscribe((e) => {
        if (closed) return;
        if (!replaying) send(e);
        else if (buffer.push(e) > MAX_HELD_EVENTS) end();
      });
      lastSent = given === undefined ? sub.cursor : Number(given);

      let heartbeat: NodeJS.Timeout | undefined;
      let signalClosed = () => {};
      const closedSignal = new Promise<void>((resolve) => (signalClosed = resolve));
      const stopRevocations = opts.onSessionRevoked?.((sid) => {
        if (sid === auth.sessionId) end();
      });
      function end(): void {
        if (closed) return;
        closed = true;
        signalClosed();
        sub.stop();
        stopRevocations?.();
        if (heartbeat) clearInterval(heartbeat);
        open.delete(end);
        // No keep-alive after a stream: the socket closes with it, so shutdown is not held up.
        reply.raw.shouldKeepAlive = false;
        out.end();
      }
      open.add(end);
      reply.raw.on('close', end);

      if (opts.heartbeatMs > 0) {
        heartbeat = setInterval(() => {
          write(': keep-alive\n\n');
          // Credentials can die while the stream is open (idle expiry, role taken away, user disabled).
          void stillAllowed().then((ok) => ok || end(), () => end());
        }, opts.heartbeatMs);
        heartbeat.unref();
      }
      async function stillAllowed(): Promise<boolean> {
        if (!(await opts.sessionLive(auth.sessionId))) return false;
        const role = await opts.authenticator.activeRole(auth.userId);
        return role !== undefined && (ADMIN_ROLES as readonly string[]).includes(role);
      }

      out.write(`retry: ${RETRY_MS}\n: connected\n\n`);
      void replay(given === undefined ? undefined : Number(given), sub.cursor);

      async function replay(after: number | undefined, upTo: number): Promise<void> {
        try {
          let from = after;
          while (from !== undefined && from < upTo && !closed) {
            const rows = await opts.store.listAfter(from, REPLAY_PAGE, upTo);
            for (const r of rows) send(toRecordedEvent(r));
            await drained(out, closedSignal);
            from = rows.length === REPLAY_PAGE ? lastSent : undefined;
          }
          replaying = false;
          for (const e of buffer.splice(0)) send(e);
        } catch (err) {
          request.log.error({ err }, 'event stream replay failed');
          end();
        }
      }

      reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        // Proxies such as nginx would otherwise hold frames back in their buffers.
        .header('x-accel-buffering', 'no');
      return reply.send(out);
    },
  );
}

/** Waits until the stream has room again (or is ended), so a replay never piles up in memory. */
async function drained(out: PassThrough, closed: Promise<void>): Promise<void> {
  if (!out.writableNeedDrain) return;
  let onDrain = () => {};
  await Promise.race([new Promise<void>((resolve) => out.once('drain', (onDrain = resolve))), closed]);
  out.off('drain', onDrain);
}
