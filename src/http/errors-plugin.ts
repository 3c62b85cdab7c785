import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, type ProblemItem } from '../errors/app-error.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { sendProblem } from './problem.js';

const byStatus: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

interface ValidationEntry {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function validationItems(err: FastifyError): ProblemItem[] {
  const ctx = (err as { validationContext?: string }).validationContext ?? 'body';
  return ((err.validation ?? []) as ValidationEntry[]).map((v) => {
    const missing = v.params?.missingProperty ?? v.params?.requiredProperties;
    const path = (v.instancePath ?? '').split('/').filter(Boolean);
    if (typeof missing === 'string') path.push(missing);
    else if (Array.isArray(missing) && missing.length) path.push(String(missing[0]));
    const field = path.length ? `${ctx}.${path.join('.')}` : ctx;
    return { code: v.keyword ?? 'invalid', message: v.message ?? 'is invalid', field };
  });
}

/** Turns anything thrown into problem+json; nothing internal (stack, SQL, message) reaches a reply. */
export function toAppError(err: FastifyError | AppError | Error): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new AppError('validation_failed', { detail: 'The request does not match the schema', errors: validationItems(fe) });
  }
  const code = fe.code ?? '';
  // Only the body parser's own errors: a SyntaxError from our code is a bug (500), not bad input.
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError('malformed_json');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('unsupported_media_type');
  const status = fe.statusCode;
  if (status && status >= 400 && status < 500) return new AppError(byStatus[status] ?? 'bad_request', { status });
  if (status === 503) return new AppError('service_unavailable');
  return new AppError('internal_error');
}

/**
 * The one error handler and the not-found handler (404 vs 405 for a known path with another method).
 * Unexpected errors are logged in full with the trace id and answered with a generic 500.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  const mirror = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true });
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]) as HTTPMethod[];
    for (const m of methods) {
      try {
        mirror.on(m, route.url, () => {});
      } catch {
        // duplicate shapes (e.g. HEAD added for GET) are fine to skip
      }
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) request.log.error({ err }, 'request failed');
    else if (!(err instanceof AppError)) request.log.info({ error_code: appErr.code, reason: err.message }, 'request refused');
    return sendProblem(reply, appErr);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const others = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as HTTPMethod[]).filter(
      (m) => m !== request.method && mirror.find(m, path),
    );
    if (others.length) {
      reply.header('allow', others.join(', '));
      return sendProblem(reply, new AppError('method_not_allowed'));
    }
    return sendProblem(reply, new AppError('not_found'));
  });
});
