import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { UserStore } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import type { Authenticator } from '../http/auth.js';
import type { MfaCaller } from './enrolment.js';
import type { MfaTransactionRow, MfaTransactions } from './transactions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The enrolment login behind `Authorization: MfaToken …` (enrolment endpoints only). */
    mfaEnrollment: MfaTransactionRow | null;
  }
}

const MFA_TOKEN = /^MfaToken\s+(\S+)$/i;

/** Adds the `mfaEnrollment` request field in the calling plugin's scope. */
export function decorateEnrollment(app: FastifyInstance): void {
  if (!app.hasRequestDecorator('mfaEnrollment')) app.decorateRequest('mfaEnrollment', null);
}

/**
 * Guard of the enrolment endpoints (/api/v1/me/mfa*, /api/v1/me/passkeys*): a live session
 * (cookie or bearer), or `Authorization: MfaToken <mfa_token>` from an mfa_enrollment_required
 * answer. Nothing else accepts that token, and an mfa_required token is refused here, so a
 * half-finished login opens nothing but enrolment.
 */
export function requireAuthOrEnrollment(deps: {
  authenticator: Authenticator;
  transactions: MfaTransactions;
  users: UserStore;
}): preHandlerAsyncHookHandler {
  return async (request) => {
    const m = MFA_TOKEN.exec(request.headers.authorization ?? '');
    if (m) {
      const tx = await deps.transactions.resolve(m[1]!, 'enrollment', request.headers['user-agent'] ?? null);
      const user = await deps.users.findById(tx.user_id);
      if (!user || user.status !== 'active') throw new AppError('unauthorized');
      request.mfaEnrollment = tx;
      return;
    }
    request.auth ??= await deps.authenticator.authenticate(request);
    if (!request.auth) throw new AppError('unauthorized');
  };
}

/** The caller a guarded request carries. */
export function callerOf(request: FastifyRequest): MfaCaller {
  const tx = request.mfaEnrollment;
  if (tx) return { userId: tx.user_id, auth: null, enrollment: tx };
  if (!request.auth) throw new AppError('unauthorized');
  return { userId: request.auth.userId, auth: request.auth, enrollment: null };
}

/** Security requirement of the enrolment endpoints in the OpenAPI document. */
export const enrolmentSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { mfaToken: [] }];

/** Where a request comes from, for events and the login-attempt log. */
export const ctxOf = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null });

/** Per-IP flow limits (src/protection) put in front of sends and checks. */
export interface RouteLimits {
  send: preHandlerAsyncHookHandler;
  verify: preHandlerAsyncHookHandler;
}
