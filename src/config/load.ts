import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type Config } from './schema.js';
import { profiles } from './profiles.js';
import type { TSchema } from 'typebox';
import { describeExpected, listLeaves, parseEnvValue, type Leaf } from './env.js';
import { isObjectSchema } from './types.js';

/** A configuration problem; start-up prints `message` and stops. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const leaves: Leaf[] = listLeaves(ConfigSchema);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

function setPath(target: Obj, path: string[], value: unknown): void {
  let node = target;
  for (const p of path.slice(0, -1)) {
    if (!isObj(node[p])) node[p] = {};
    node = node[p] as Obj;
  }
  node[path[path.length - 1]!] = value;
}

function readConfigFile(file: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`GATEHOUSE_CONFIG: cannot read ${file}: ${(e as Error).message}`]);
  }
  try {
    const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
    if (parsed == null) return {};
    if (!isObj(parsed)) throw new Error('the top level must be a mapping');
    return parsed;
  } catch (e) {
    throw new ConfigError([`GATEHOUSE_CONFIG: ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message}`]);
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv, problems: string[]): Obj {
  const out: Obj = {};
  for (const leaf of leaves) {
    let raw = env[leaf.env];
    const fileVar = `${leaf.env}_FILE`;
    if (leaf.schema.secret && env[fileVar]) {
      try {
        raw = readFileSync(env[fileVar]!, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        problems.push(`${fileVar}: cannot read ${env[fileVar]}: ${(e as Error).message}`);
        continue;
      }
    }
    if (raw === undefined || leaf.env === 'APP_ENV') continue;
    setPath(out, leaf.path, parseEnvValue(leaf.schema, raw));
  }
  return out;
}

function leafForPointer(pointer: string): Leaf | undefined {
  const path = pointer.split('/').filter(Boolean);
  return leaves.find((l) => l.path.join('/') === path.join('/')) ?? leaves.find((l) => l.path.join('/') === path.slice(0, -1).join('/'));
}

/** Keys the schema does not know, at any depth (a typo in a file must not pass silently). */
function unknownKeys(schema: TSchema, value: unknown, prefix: string[], out: string[]): void {
  if (!isObjectSchema(schema) || !isObj(value)) return;
  for (const [name, child] of Object.entries(value)) {
    const path = [...prefix, name];
    const sub = schema.properties[name];
    if (!sub) out.push(`${path.join('.')}: unknown configuration key`);
    else unknownKeys(sub, child, path, out);
  }
}

function validate(merged: Obj): string[] {
  const problems: string[] = [];
  unknownKeys(ConfigSchema, merged, [], problems);
  const seen = new Set<string>();
  for (const err of Value.Errors(ConfigSchema, merged)) {
    const e = err as { instancePath: string; schemaPath: string; keyword: string; message?: string };
    // Unknown keys are reported above, once each.
    if (e.keyword === 'additionalProperties' || e.schemaPath.endsWith('/additionalProperties')) continue;
    const leaf = leafForPointer(e.instancePath);
    const key = leaf?.key ?? (e.instancePath.split('/').filter(Boolean).join('.') || '(top level)');
    if (seen.has(key)) continue;
    seen.add(key);
    if (!leaf) {
      // A whole section with the wrong shape (e.g. `log: 5` in a file).
      problems.push(`${key}: expected a mapping of settings (${e.message ?? 'invalid'})`);
      continue;
    }
    const got = leaf.path.reduce<unknown>((n, p) => (isObj(n) ? n[p] : undefined), merged);
    const shown = leaf.schema.secret ? '(hidden)' : JSON.stringify(got);
    problems.push(`${leaf.key} (${leaf.env}): expected ${describeExpected(leaf.schema)}, got ${shown}`);
  }
  return problems;
}

/** Settings that production refuses unless allow_insecure is set. */
function insecureSettings(c: Config): string[] {
  const out: string[] = [];
  if (!c.master_secret) out.push('master_secret (GATEHOUSE_MASTER_SECRET) is not set');
  if (!c.public_url.startsWith('https://')) out.push(`public_url (GATEHOUSE_PUBLIC_URL) is not https: ${c.public_url}`);
  if (c.metrics === 'open') out.push('metrics (GATEHOUSE_METRICS) is open without a token');
  if (c.metrics === 'token' && !c.metrics_token) out.push('metrics=token but metrics_token (GATEHOUSE_METRICS_TOKEN) is not set');
  return out;
}

function semanticChecks(c: Config): string[] {
  const out: string[] = [];
  try {
    const u = new URL(c.public_url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    out.push(`public_url (GATEHOUSE_PUBLIC_URL): expected an http(s) URL, got ${JSON.stringify(c.public_url)}`);
  }
  if (c.master_secret !== null && c.master_secret.length < 32) {
    out.push('master_secret (GATEHOUSE_MASTER_SECRET): expected at least 32 characters');
  }
  const badRoles = c.mfa.required_roles.filter((r) => !['superuser', 'staff', 'user'].includes(r));
  if (badRoles.length) out.push(`mfa.required_roles (GATEHOUSE_MFA_REQUIRED_ROLES): unknown roles ${badRoles.join(', ')} (superuser, staff, user)`);
  if (c.sms.provider === 'webhook' && (!c.sms.webhook_url || !c.sms.webhook_secret)) {
    out.push('sms.provider=webhook (GATEHOUSE_SMS_PROVIDER) needs GATEHOUSE_SMS_WEBHOOK_URL and GATEHOUSE_SMS_WEBHOOK_SECRET');
  }
  return out;
}

/**
 * Builds the one configuration object: defaults → profile → file → environment → *_FILE secrets.
 * `overrides` (tests, CLI flags) apply last. Throws ConfigError naming each bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Obj = {}): Config {
  // The file is read first: it may name the profile (app_env), which decides the defaults beneath it.
  const file = env.GATEHOUSE_CONFIG ? readConfigFile(env.GATEHOUSE_CONFIG) : {};
  const appEnv = overrides.app_env ?? env.APP_ENV ?? file.app_env ?? 'development';
  if (typeof appEnv !== 'string' || !(appEnv in profiles)) {
    throw new ConfigError([`app_env (APP_ENV): expected one of development | test | production, got ${JSON.stringify(appEnv)}`]);
  }
  const problems: string[] = [];
  let merged: Obj = {};
  for (const leaf of leaves) setPath(merged, leaf.path, structuredClone((leaf.schema as { default?: unknown }).default));
  merged = deepMerge(merged, profiles[appEnv as Config['app_env']]);
  merged = deepMerge(merged, file);
  merged = deepMerge(merged, fromEnvironment(env, problems));
  merged = deepMerge(merged, overrides);
  merged.app_env = appEnv;
  problems.push(...validate(merged));
  if (problems.length) throw new ConfigError(problems);
  const config = merged as Config;
  problems.push(...semanticChecks(config));
  if (config.app_env === 'production' && !config.allow_insecure) {
    problems.push(...insecureSettings(config).map((p) => `${p} — refused in production (set GATEHOUSE_ALLOW_INSECURE=true to override)`));
  }
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The effective config with every secret masked, for `gatehouse config check`. */
export function maskedConfig(config: Config): Obj {
  const out = structuredClone(config) as Obj;
  for (const leaf of leaves) {
    if (!leaf.schema.secret) continue;
    const value = leaf.path.reduce<unknown>((n, p) => (isObj(n) ? n[p] : undefined), out);
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    setPath(out, leaf.path, Array.isArray(value) ? value.map(() => '********') : '********');
  }
  return out;
}
