import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { UserStore } from '../accounts/store.js';
import { AppError } from '../errors/app-error.js';
import type { Authenticator } from '../http/auth.js';
import { maskEmail } from './email-otp/service.js';
import type { Added, MfaEnrolment } from './enrolment.js';
import { LoginSuccessSchema, type LoginReplies } from './finish.js';
import { callerOf, ctxOf, decorateEnrollment, enrolmentSecurity, requireAuthOrEnrollment, type RouteLimits } from './guard.js';
import { MethodSchema, OptionalBody, PasswordBody, toMethodDto } from './schema.js';
import { maskPhone, normalizePhone } from './sms/phone.js';
import type { EmailOtp } from './email-otp/service.js';
import type { SmsOtp } from './sms/service.js';
import type { MfaStore } from './store.js';
import type { Totp } from './totp/service.js';
import type { MfaTransactions } from './transactions.js';

const Password = Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Re-authentication when the login is not recent' }));
const Name = Type.Optional(Type.String({ minLength: 1, maxLength: 100 }));
const ConfirmBody = Type.Object(
  { id: Type.String({ maxLength: 64 }), code: Type.String({ minLength: 1, maxLength: 16 }) },
  { additionalProperties: false },
);
const Confirmed = Type.Object({
  method: MethodSchema,
  login: Type.Optional(LoginSuccessSchema),
});
const CodeSent = Type.Object({
  id: Type.String({ description: 'The pending method; confirm it with the code sent' }),
  destination: Type.String(),
  expires_in: Type.Integer(),
  notice: Type.Optional(Type.String()),
});
const SMS_NOTICE =
  'SMS codes can be intercepted (SIM swap, phone network attacks); an authenticator app (TOTP) or a passkey is safer.';

export interface MeMfaDeps {
  enrolment: MfaEnrolment;
  store: MfaStore;
  totp: Totp;
  email: EmailOtp;
  sms: SmsOtp;
  transactions: MfaTransactions;
  users: UserStore;
  authenticator: Authenticator;
  replies: LoginReplies;
  limits: RouteLimits;
}

/**
 * Self-service MFA under /api/v1/me/mfa. Open to a session, or to the mfa_token of a login that
 * must enrol first (`Authorization: MfaToken …`); removal needs a session and the password.
 */
export async function meMfaRoutes(app: FastifyInstance, opts: MeMfaDeps) {
  const { enrolment, totp, email, sms, replies } = opts;
  decorateEnrollment(app);
  const guard = requireAuthOrEnrollment(opts);
  const sending = [guard, opts.limits.send];
  const checking = [guard, opts.limits.verify];
  const tags = ['me', 'mfa'];

  /** {method} and, when it finished an enrolment login, that login's answer. */
  async function answer(reply: FastifyReply, a: Added) {
    const method = toMethodDto(a.method);
    return a.login ? { method, login: await replies.send(reply, a.login) } : { method };
  }

  app.get(
    '/api/v1/me/mfa',
    {
      preHandler: guard,
      schema: { tags, summary: 'Your second factors', security: enrolmentSecurity, response: { 200: Type.Object({ methods: Type.Array(MethodSchema) }) } },
    },
    async (request) => ({ methods: (await enrolment.list(callerOf(request).userId)).map(toMethodDto) }),
  );

  app.post(
    '/api/v1/me/mfa/totp',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Start TOTP enrolment: the secret, otpauth URI and QR code (pending until confirmed)',
        security: enrolmentSecurity,
        body: OptionalBody(Type.Object({ name: Name, password: Password }, { additionalProperties: false })),
        response: { 200: Type.Object({ id: Type.String(), secret: Type.String(), otpauth_uri: Type.String(), qr: Type.String() }) },
      },
    },
    async (request) => {
      const body = (request.body ?? {}) as { name?: string; password?: string };
      const caller = callerOf(request);
      const user = await enrolment.userOf(caller);
      await enrolment.assertFresh(caller, user, body.password);
      const e = await totp.enroll(user, body.name ?? null);
      return { id: e.method.id, secret: e.secret, otpauth_uri: e.otpauthUri, qr: e.qr };
    },
  );

  app.post(
    '/api/v1/me/mfa/totp/confirm',
    {
      preHandler: checking,
      schema: { tags, summary: 'Activate TOTP with a first code', security: enrolmentSecurity, body: ConfirmBody, response: { 200: Confirmed } },
    },
    async (request, reply) => {
      const { id, code } = request.body as { id: string; code: string };
      return answer(reply, await enrolment.confirmWith(callerOf(request), 'totp', (uid) => totp.confirm(uid, id, code), ctxOf(request)));
    },
  );

  app.post(
    '/api/v1/me/mfa/email',
    {
      preHandler: sending,
      schema: {
        tags,
        summary: 'Start email codes: a code is mailed to your address; confirm it',
        security: enrolmentSecurity,
        body: OptionalBody(Type.Object({ password: Password }, { additionalProperties: false })),
        response: { 200: CodeSent },
      },
    },
    async (request) => {
      const body = (request.body ?? {}) as { password?: string };
      const caller = callerOf(request);
      const user = await enrolment.userOf(caller);
      await enrolment.assertFresh(caller, user, body.password);
      if ((await opts.store.listConfirmedOfType(user.id, 'email')).length) throw new AppError('conflict', { detail: 'Email codes are already on' });
      const m = await email.startEnrolment(user, {});
      return { id: m.id, destination: maskEmail(user.email), expires_in: email.codeTtlSeconds };
    },
  );

  app.post(
    '/api/v1/me/mfa/email/confirm',
    {
      preHandler: checking,
      schema: { tags, summary: 'Activate email codes with the mailed code', security: enrolmentSecurity, body: ConfirmBody, response: { 200: Confirmed } },
    },
    async (request, reply) => {
      const { id, code } = request.body as { id: string; code: string };
      return answer(reply, await enrolment.confirmWith(callerOf(request), 'email', (uid) => email.confirm(uid, id, code), ctxOf(request)));
    },
  );

  app.post(
    '/api/v1/me/mfa/sms',
    {
      preHandler: sending,
      schema: {
        tags,
        summary: 'Start SMS codes for an E.164 number: a code is texted to it; confirm it',
        security: enrolmentSecurity,
        body: Type.Object({ phone_number: Type.String({ minLength: 1, maxLength: 32 }), name: Name, password: Password }, { additionalProperties: false }),
        response: { 200: CodeSent },
      },
    },
    async (request) => {
      const body = request.body as { phone_number: string; name?: string; password?: string };
      const phone = normalizePhone(body.phone_number);
      const caller = callerOf(request);
      const user = await enrolment.userOf(caller);
      await enrolment.assertFresh(caller, user, body.password);
      const taken = (await opts.store.listConfirmedOfType(user.id, 'sms')).some((m) => m.phone_number === phone);
      if (taken) throw new AppError('conflict', { detail: 'This number is already set up' });
      const m = await sms.startEnrolment(user, { phone_number: phone, name: body.name ?? null });
      return { id: m.id, destination: maskPhone(phone), expires_in: sms.codeTtlSeconds, notice: SMS_NOTICE };
    },
  );

  app.post(
    '/api/v1/me/mfa/sms/confirm',
    {
      preHandler: checking,
      schema: { tags, summary: 'Activate SMS codes with the texted code', security: enrolmentSecurity, body: ConfirmBody, response: { 200: Confirmed } },
    },
    async (request, reply) => {
      const { id, code } = request.body as { id: string; code: string };
      return answer(reply, await enrolment.confirmWith(callerOf(request), 'sms', (uid) => sms.confirm(uid, id, code), ctxOf(request)));
    },
  );

  app.post(
    '/api/v1/me/mfa/recovery-codes',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Make 10 new recovery codes (shown once; the old set stops working)',
        security: enrolmentSecurity,
        body: OptionalBody(PasswordBody),
        response: { 200: Type.Object({ codes: Type.Array(Type.String()) }) },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { password?: string };
      reply.header('cache-control', 'no-store');
      return { codes: await enrolment.regenerateRecoveryCodes(callerOf(request), body.password, ctxOf(request)) };
    },
  );

  app.delete(
    '/api/v1/me/mfa/:id',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Remove a second factor (needs your password); ends your other sessions',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: PasswordBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { password } = (request.body ?? {}) as { password?: string };
      await enrolment.remove(callerOf(request), id, password, ctxOf(request));
      return reply.code(204).send();
    },
  );
}
