import { Type, type Static, type TLiteral, type TSchema } from 'typebox';
export function oneOf1<const T extends readonly string[]>(values: T, def: T[number]) {
  type Literals = { -readonly [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(values.map((v) => Type.Literal(v)) as unknown as Literals, { default: def });
}
export function oneOf2<const T extends readonly [string, ...string[]]>(values: T, def: T[number]) {
  type Literals = { -readonly [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(values.map((v) => Type.Literal(v)) as unknown as Literals, { default: def });
}
export function oneOf3<const T extends string[]>(values: T, def: T[number]) {
  type Literals = { [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(values.map((v) => Type.Literal(v)) as unknown as Literals & TSchema[], { default: def });
}
const A1 = oneOf1(['x', 'y'] as const, 'x');
const A2 = oneOf2(['x', 'y'] as const, 'x');
const A3 = oneOf3(['x', 'y'], 'x');
export const a1: Static<typeof A1> = 'x';
export const a2: Static<typeof A2> = 'x';
export const a3: Static<typeof A3> = 'x';
// @ts-expect-error
export const b2: Static<typeof A2> = 'z';
type U = typeof A1;
export type { U };
