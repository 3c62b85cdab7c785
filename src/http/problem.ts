import type { FastifyReply } from 'fastify';
import { AppError, type ProblemItem } from '../errors/app-error.js';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js';

/** The RFC 9457 body Gatehouse sends for every error. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  trace_id: string;
  errors?: ProblemItem[];
  retry_after?: number;
  [extra: string]: unknown;
}

export function problemBody(err: AppError, traceId: string): ProblemBody {
  const entry = errorCatalogue[err.code];
  const body: ProblemBody = {
    type: `urn:gatehouse:problem:${err.code}`,
    title: entry.title,
    status: err.status,
    detail: err.options.detail ?? entry.title,
    code: err.code,
    trace_id: traceId,
    ...(err.options.extra ?? {}),
  };
  if (err.options.errors?.length) body.errors = err.options.errors;
  if (err.options.retryAfter !== undefined) body.retry_after = err.options.retryAfter;
  return body;
}

/** Sends an AppError as application/problem+json, with Retry-After when it carries one. */
export function sendProblem(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.options.retryAfter !== undefined) reply.header('retry-after', String(err.options.retryAfter));
  return reply
    .code(err.status)
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send(problemBody(err, reply.request.id));
}

export const problem = (code: ErrorCode, detail?: string) => new AppError(code, detail ? { detail } : {});
