import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export type Check = () => Promise<void>;

const Status = Type.Union([Type.Literal('ok'), Type.Literal('fail')]);
const ReadyBody = Type.Object({ status: Status, checks: Type.Record(Type.String(), Status) });

/** Runs one check with a deadline; resolves to the error when it fails. */
async function runCheck(check: Check, ms: number): Promise<Error | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
    return null;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
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
    async (request, reply) => {
      const names = Object.keys(opts.checks);
      const errors = await Promise.all(names.map((n) => runCheck(opts.checks[n]!, 2000)));
      // The reply names the failed check only; the reason goes to the log for the operator.
      names.forEach((check, i) => {
        if (errors[i]) request.log.warn({ check, reason: errors[i]!.message }, 'readiness check failed');
      });
      const checks = Object.fromEntries(names.map((n, i) => [n, errors[i] ? ('fail' as const) : ('ok' as const)]));
      const ok = errors.every((e) => e === null);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'fail', checks });
    },
  );
}
