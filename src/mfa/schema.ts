import { Type } from 'typebox';
import { UserSchema } from '../accounts/schema.js';
import { isoOrNull, isoTime } from '../shared/clock.js';
import { maskPhone } from './sms/phone.js';
import type { MfaMethodRow } from './store.js';
import { mfaMethodTypes } from './tables.js';

export const MethodType = Type.Union(mfaMethodTypes.map((t) => Type.Literal(t)));
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** A method as the API shows it: never its secret; phone numbers masked. */
export const MethodSchema = Type.Object({
  id: Type.String(),
  type: MethodType,
  name: Nullable(Type.String()),
  created_at: Type.String(),
  last_used_at: Nullable(Type.String()),
  phone_number: Type.Optional(Type.String({ description: 'SMS: the number, all but the last two digits hidden' })),
  remaining: Type.Optional(Type.Integer({ description: 'Recovery codes: how many are unused' })),
});

export function toMethodDto(m: MfaMethodRow & { remaining?: number }) {
  return {
    id: m.id,
    type: m.type,
    name: m.name,
    created_at: isoTime(m.created_at),
    last_used_at: isoOrNull(m.last_used_at),
    ...(m.phone_number ? { phone_number: maskPhone(m.phone_number) } : {}),
    ...(m.remaining !== undefined ? { remaining: m.remaining } : {}),
  };
}

/** The password step's answer when a second factor is needed. */
export const MfaRequiredAnswer = Type.Object({
  mfa_required: Type.Literal(true),
  mfa_token: Type.String({ description: 'Short-lived (mfa.token_ttl), for /api/v1/auth/mfa/challenge and /verify only' }),
  methods: Type.Array(MethodType),
});

/** The password step's answer when the user must enrol a first method (policy). */
export const MfaEnrollmentAnswer = Type.Object({
  mfa_enrollment_required: Type.Literal(true),
  mfa_token: Type.String({
    description: 'Send as `Authorization: MfaToken <mfa_token>` to /api/v1/me/mfa/* and /api/v1/me/passkeys*; the login completes when a method is confirmed',
  }),
});

export const CookieLoginAnswer = Type.Object({ user: UserSchema });

/** Maps the login gate's verdict to the API's MFA answers. */
export function mfaAnswer(r: { kind: 'mfa_required'; mfa_token: string; methods: string[] } | { kind: 'mfa_enrollment_required'; mfa_token: string }) {
  return r.kind === 'mfa_required'
    ? { mfa_required: true as const, mfa_token: r.mfa_token, methods: r.methods }
    : { mfa_enrollment_required: true as const, mfa_token: r.mfa_token };
}

const Base64Url = Type.String({ maxLength: 16384, pattern: '^[A-Za-z0-9_-]*={0,2}$' });
const Extensions = Type.Record(Type.String(), Type.Unknown());
const Descriptor = Type.Object({
  id: Type.String(),
  type: Type.Literal('public-key'),
  transports: Type.Optional(Type.Array(Type.String())),
});

/** WebAuthn PublicKeyCredentialCreationOptions (JSON form). */
export const CreationOptionsSchema = Type.Object({
  rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
  user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
  challenge: Type.String(),
  pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.Literal('public-key') })),
  timeout: Type.Optional(Type.Integer()),
  excludeCredentials: Type.Optional(Type.Array(Descriptor)),
  authenticatorSelection: Type.Optional(
    Type.Object({
      authenticatorAttachment: Type.Optional(Type.String()),
      requireResidentKey: Type.Optional(Type.Boolean()),
      residentKey: Type.Optional(Type.String()),
      userVerification: Type.Optional(Type.String()),
    }),
  ),
  hints: Type.Optional(Type.Array(Type.String())),
  attestation: Type.Optional(Type.String()),
  extensions: Type.Optional(Extensions),
});

/** WebAuthn PublicKeyCredentialRequestOptions (JSON form). */
export const RequestOptionsSchema = Type.Object({
  challenge: Type.String(),
  timeout: Type.Optional(Type.Integer()),
  rpId: Type.Optional(Type.String()),
  allowCredentials: Type.Optional(Type.Array(Descriptor)),
  userVerification: Type.Optional(Type.String()),
  hints: Type.Optional(Type.Array(Type.String())),
  extensions: Type.Optional(Extensions),
});

/** A WebAuthn registration response (PublicKeyCredential JSON); checked in depth by the library. */
export const RegistrationResponseSchema = Type.Object({
  id: Base64Url,
  rawId: Base64Url,
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: Base64Url,
    attestationObject: Base64Url,
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
    authenticatorData: Type.Optional(Base64Url),
    publicKey: Type.Optional(Base64Url),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
  }),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: Type.Record(Type.String(), Type.Unknown()),
});

/** A WebAuthn authentication response (assertion). */
export const AuthenticationResponseSchema = Type.Object({
  id: Base64Url,
  rawId: Base64Url,
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: Base64Url,
    authenticatorData: Base64Url,
    signature: Base64Url,
    userHandle: Type.Optional(Base64Url),
  }),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: Type.Record(Type.String(), Type.Unknown()),
});

export const PasswordBody = Type.Object(
  { password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
  { additionalProperties: false },
);

/** A body the client may leave out (Fastify validates a missing body as null). */
export const OptionalBody = <T extends ReturnType<typeof Type.Object>>(t: T) => Type.Union([t, Type.Null()]);
