import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RequestOrigin } from './deps.js';

/** One plain address (the mailer refuses lists and display names, so the API does too). */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@,;:<>()\\[\\]\\\\"]+@[^\\s@,;:<>()\\[\\]\\\\"]+$' });
/** Wide on purpose: length is a policy rule (422 naming it), not a schema error. */
export const NewPassword = Type.String({ maxLength: 4096 });
export const AnyPassword = Type.String({ minLength: 1, maxLength: 4096 });
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
export const LinkToken = Type.String({ minLength: 16, maxLength: 256 });

/** The body of every "we may have sent a mail" answer: the same whatever the address. */
export const Accepted = Type.Object({ message: Type.String() });
export const acceptedBody = { message: 'If the address belongs to an account, a mail is on its way.' };

export const originOf = (request: FastifyRequest): RequestOrigin => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? null,
});
