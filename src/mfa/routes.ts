import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { LoginSuccessSchema, type LoginReplies } from './finish.js';
import { ctxOf, type RouteLimits } from './guard.js';
import { AuthenticationResponseSchema, MethodType, RequestOptionsSchema } from './schema.js';
import type { MfaService } from './service.js';
import type { MfaMethodType } from './tables.js';

const MfaToken = Type.String({ minLength: 16, maxLength: 128 });
const Code = Type.String({ minLength: 1, maxLength: 64, description: 'TOTP, email or SMS code, or a recovery code' });

const ChallengeBody = Type.Object(
  {
    mfa_token: MfaToken,
    method: MethodType,
    method_id: Type.Optional(Type.String({ maxLength: 64, description: 'Which SMS number (default: the first)' })),
  },
  { additionalProperties: false },
);

const VerifyBody = Type.Object(
  {
    mfa_token: MfaToken,
    method: MethodType,
    code: Type.Optional(Code),
    response: Type.Optional(AuthenticationResponseSchema),
    trust_device: Type.Optional(Type.Boolean({ description: 'Skip MFA on this browser for mfa.trusted_device_ttl (cookie gatehouse_device)' })),
  },
  { additionalProperties: false },
);

const CodeSent = Type.Object({
  sent: Type.Literal(true),
  method: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  destination: Type.String({ description: 'Masked address or number the code went to' }),
  expires_in: Type.Integer({ description: 'Seconds the code stays valid' }),
});

/** POST /api/v1/auth/mfa/challenge and /verify: the second step of a login. */
export async function mfaRoutes(app: FastifyInstance, opts: { mfa: MfaService; replies: LoginReplies; limits: RouteLimits }) {
  const { mfa, replies } = opts;

  app.post(
    '/api/v1/auth/mfa/challenge',
    {
      preHandler: opts.limits.send,
      schema: {
        tags: ['auth', 'mfa'],
        summary: 'Send an email/SMS code for a pending login, or get WebAuthn request options for a passkey',
        description: 'Codes count against mfa.send_limit_per_day (429 mfa_send_limit); a locked user gets 429 mfa_locked.',
        body: ChallengeBody,
        response: { 200: RequestOptionsSchema, 202: CodeSent },
      },
    },
    async (request, reply) => {
      const body = request.body as { mfa_token: string; method: MfaMethodType; method_id?: string };
      const r = await mfa.challenge(body.mfa_token, body.method, body.method_id, ctxOf(request));
      if (r.kind === 'passkey') return r.options;
      return reply.code(202).send({ sent: true, method: r.method, destination: r.destination, expires_in: r.expiresIn });
    },
  );

  app.post(
    '/api/v1/auth/mfa/verify',
    {
      preHandler: opts.limits.verify,
      schema: {
        tags: ['auth', 'mfa'],
        summary: 'Finish a login with a second factor; answers like the login (cookie) or token endpoint',
        description:
          'code for totp, email, sms and recovery_code; response (a WebAuthn assertion) for passkey. ' +
          'Wrong factors answer 401 mfa_invalid; after mfa.max_failures in a row MFA locks (429 mfa_locked).',
        body: VerifyBody,
        response: { 200: LoginSuccessSchema },
      },
    },
    async (request, reply) => {
      const body = request.body as { mfa_token: string; method: MfaMethodType; code?: string; response?: unknown; trust_device?: boolean };
      const done = await mfa.verify(
        body.mfa_token,
        { method: body.method, code: body.code, response: body.response, trustDevice: body.trust_device === true },
        ctxOf(request),
      );
      return replies.send(reply, done);
    },
  );
}
