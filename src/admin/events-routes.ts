import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { EventService } from '../events/service.js';
import { toRecordedEvent } from '../events/types.js';
import { requireRole, type Authenticator } from '../http/auth.js';
import { EventListQuery, EventPage, parseEventFilter } from './events-schema.js';

/** GET /api/v1/admin/events: the stored security events, filtered and paged, newest first. */
export async function adminEventsRoutes(app: FastifyInstance, opts: { events: Pick<EventService, 'page'>; authenticator: Authenticator }) {
  app.get(
    '/api/v1/admin/events',
    {
      preHandler: requireRole(opts.authenticator, 'staff', 'superuser'),
      schema: {
        tags: ['admin'],
        summary: 'Security events, newest first',
        security: [{ bearer: [] }],
        querystring: EventListQuery,
        response: { 200: EventPage },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof EventListQuery>;
      const filter = parseEventFilter(q);
      // The service stores this instance's queued events first: an admin sees what they just did.
      const { rows, total } = await opts.events.page(filter, (q.page - 1) * q.page_size, q.page_size);
      return {
        items: rows.map(toRecordedEvent),
        page: q.page,
        page_size: q.page_size,
        total,
        pages: Math.ceil(total / q.page_size),
      };
    },
  );
}
