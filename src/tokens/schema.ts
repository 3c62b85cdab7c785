import { Type } from 'typebox';

export const TokenRequest = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    remember_me: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RefreshRequest = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);

/** A token pair. The refresh token is opaque; only its row id and SHA-256 are stored. */
export const TokenPairSchema = Type.Object({
  access_token: Type.String({ description: 'JWT (typ at+jwt) for Authorization: Bearer' }),
  refresh_token: Type.String({ description: 'Opaque, single use: each refresh returns a new one' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  refresh_expires_in: Type.Integer({ description: 'Seconds until the refresh token expires' }),
});
