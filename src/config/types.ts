import { Type, type TLiteral, type TSchema, type TUnion } from 'typebox';

/**
 * Schema helpers for configuration leaves. Every leaf carries a `description` (its documentation)
 * and may carry `secret` (masked, also read from `*_FILE`) or `env` (a fixed environment name).
 */
export interface LeafOptions {
  description: string;
  secret?: boolean;
  env?: string;
}

export const str = (def: string, o: LeafOptions) => Type.String({ default: def, ...o });
export const optStr = (o: LeafOptions) => Type.Union([Type.String(), Type.Null()], { default: null, ...o });
export const int = (def: number, min: number, max: number, o: LeafOptions) =>
  Type.Integer({ default: def, minimum: min, maximum: max, ...o });
export const bool = (def: boolean, o: LeafOptions) => Type.Boolean({ default: def, ...o });
/** A comma-separated list in the environment, an array in a file. */
export const list = (def: string[], o: LeafOptions) => Type.Array(Type.String(), { default: def, ...o });
export function oneOf<const T extends readonly string[]>(values: T, def: T[number], o: LeafOptions) {
  // Typed as a one-member union of the literal type so Static<> gives the string union, not never.
  return Type.Union(values.map((v) => Type.Literal(v)), { default: def, ...o }) as unknown as TUnion<[TLiteral<T[number]>]>;
}
/** Duration in seconds. */
export const seconds = (def: number, o: LeafOptions, max = 10 * 365 * 86400) =>
  Type.Integer({ default: def, minimum: 0, maximum: max, ...o, description: `${o.description} (seconds)` });

export function isObjectSchema(s: TSchema): s is TSchema & { properties: Record<string, TSchema> } {
  return (s as { type?: unknown }).type === 'object' && typeof (s as { properties?: unknown }).properties === 'object';
}
