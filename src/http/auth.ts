import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../accounts/roles.js';
import { AppError } from '../errors/app-error.js';

/** Who is calling, once authenticated by cookie or bearer token. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  via: 'cookie' | 'bearer';
  amr: string[];
  /** auth_time, epoch ms. */
  authTime: number;
  rememberMe: boolean;
  /** When this credential stops working (epoch ms). */
  expiresAt: number;
}

/** Resolves a request's credentials to an AuthContext, or null when there are none or they are dead. */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<AuthContext | null>;
  /** Loads the caller's role (admin checks); undefined when the user no longer exists or is not active. */
  activeRole(userId: string): Promise<Role | undefined>;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** Decorates requests with `auth` (null until a guard runs). */
export const authPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('auth', null);
});

/** Guard: the request must carry a live session (cookie) or access token (bearer). */
export function requireAuth(authenticator: Authenticator): preHandlerAsyncHookHandler {
  return async (request) => {
    request.auth ??= await authenticator.authenticate(request);
    if (!request.auth) throw new AppError('unauthorized');
  };
}

/** Guard: authenticate, then the caller's current role must be one of `allowed`. */
export function requireRole(authenticator: Authenticator, ...allowed: Role[]): preHandlerAsyncHookHandler {
  return async (request) => {
    request.auth ??= await authenticator.authenticate(request);
    if (!request.auth) throw new AppError('unauthorized');
    const role = await authenticator.activeRole(request.auth.userId);
    if (!role || !allowed.includes(role)) throw new AppError('forbidden');
  };
}

/** Fills `request.auth` when credentials are present, without refusing anonymous callers. */
export function optionalAuth(authenticator: Authenticator): preHandlerAsyncHookHandler {
  return async (request) => {
    request.auth ??= await authenticator.authenticate(request);
  };
}
