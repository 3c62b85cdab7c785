import { Type } from 'typebox';

/**
 * One published key. `additionalProperties: false` plus the serializer's schema mean private
 * members (d, p, q, dp, dq, qi) can never leave the server, whatever the service hands over.
 */
export const PublicJwkSchema = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.Literal('sig'),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
    n: Type.Optional(Type.String()),
    e: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const JwksSchema = Type.Object({ keys: Type.Array(PublicJwkSchema) }, { additionalProperties: false });
