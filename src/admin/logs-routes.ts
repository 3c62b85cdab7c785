import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { requireRole, type Authenticator } from '../http/auth.js';
import { tailJsonLines } from './logs-tail.js';

/** The logs an admin may read, by source name: fixed file names under `<data_dir>/logs`. */
export const logSources = ['auth', 'app'] as const;
export type LogSource = (typeof logSources)[number];

/** Where each source lives. The auth log is written by the accounts capability at this path. */
export const logPath = (dataDir: string, source: LogSource): string => join(dataDir, 'logs', `${source}.log`);

const LogsQuery = Type.Object(
  {
    source: Type.Union(logSources.map((s) => Type.Literal(s)), { description: 'auth: login attempts; app: the application log' }),
    lines: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'How many of the last lines (1–1000)' }),
  },
  { additionalProperties: false },
);

/** GET /api/v1/admin/logs: the last N JSONL lines of a log, parsed, oldest first. */
export async function adminLogsRoutes(app: FastifyInstance, opts: { dataDir: string; authenticator: Authenticator }) {
  app.get(
    '/api/v1/admin/logs',
    {
      preHandler: requireRole(opts.authenticator, 'staff', 'superuser'),
      schema: {
        tags: ['admin'],
        summary: 'The last lines of the auth or app log, parsed (lines that are not JSON are skipped)',
        security: [{ bearer: [] }],
        querystring: LogsQuery,
        response: { 200: Type.Object({ items: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof LogsQuery>;
      return { items: await tailJsonLines(logPath(opts.dataDir, q.source), q.lines) };
    },
  );
}
