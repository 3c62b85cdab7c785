import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export type Check = () => Promise<void>;

const Status = Type.Union([Type.Literal('ok'), Type.Literal('fail')]);
const ReadyBody = Type.Object({ status: Status, checks: Type.Record(Type.String(), Status) });

async function withTimeout(check: Check, ms: number): Promise<'ok' | 'fail'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
    return 'ok';
  } catch {
    return 'fail';
  } finally {
    clearTimeout(timer);
  }
}

/** /health/live: the process answers. /health/ready: every dependency answers (503 naming the failed one). */
export async function healthRoutes(app: FastifyInstance, opts: { checks: Record<string, Check> }) {
  app.get(
    '/health/live',
    { schema: { tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/health/ready',
    { schema: { tags: ['operations'], response: { 200: ReadyBody, 503: ReadyBody } } },
    async (_request, reply) => {
      const names = Object.keys(opts.checks);
      const results = await Promise.all(names.map((n) => withTimeout(opts.checks[n]!, 2000)));
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
      const ok = results.every((r) => r === 'ok');
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'fail', checks });
    },
  );
}
