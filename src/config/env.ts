import type { TSchema } from 'typebox';
import { isObjectSchema } from './types.js';

/** One configuration leaf: its dotted path, environment name and schema. */
export interface Leaf {
  path: string[];
  key: string;
  env: string;
  schema: TSchema & { secret?: boolean; env?: string; description?: string };
}

/** Walks the schema and lists every leaf with its environment name. */
export function listLeaves(schema: TSchema, prefix: string[] = []): Leaf[] {
  if (!isObjectSchema(schema)) throw new Error('config schema root must be an object');
  const out: Leaf[] = [];
  for (const [name, child] of Object.entries(schema.properties)) {
    const path = [...prefix, name];
    if (isObjectSchema(child)) {
      out.push(...listLeaves(child, path));
      continue;
    }
    const s = child as Leaf['schema'];
    out.push({ path, key: path.join('.'), env: s.env ?? `GATEHOUSE_${path.join('_').toUpperCase()}`, schema: s });
  }
  return out;
}

/** What a leaf expects, in words, for error messages. */
export function describeExpected(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  const anyOf = s.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf) {
    const consts = anyOf.filter((a) => 'const' in a).map((a) => String(a.const));
    if (consts.length) return `one of ${consts.join(' | ')}`;
    if (anyOf.some((a) => a.type === 'null')) return 'a string (or unset)';
  }
  if (s.type === 'integer') {
    const unit = String(s.description ?? '').endsWith('(seconds)') ? ' (seconds)' : '';
    return `an integer from ${String(s.minimum)} to ${String(s.maximum)}${unit}`;
  }
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'array') return 'a comma-separated list';
  return 'a string';
}

/** Parses an environment string into the leaf's type; returns undefined when it cannot. */
export function parseEnvValue(schema: TSchema, raw: string): unknown {
  const s = schema as Record<string, unknown>;
  const v = raw.trim();
  // An empty variable unsets an optional value (VAR= in a compose file or .env means "none").
  if (v === '' && (s.anyOf as Array<Record<string, unknown>> | undefined)?.some((a) => a.type === 'null')) return null;
  if (s.type === 'integer') return /^-?\d+$/.test(v) ? Number(v) : raw;
  if (s.type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(v)) return true;
    if (/^(false|0|no|off)$/i.test(v)) return false;
    return raw;
  }
  if (s.type === 'array') return v === '' ? [] : v.split(',').map((x) => x.trim()).filter(Boolean);
  return raw;
}
