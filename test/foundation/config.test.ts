import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, leaves, loadConfig, maskedConfig } from '../../src/config/load.js';
import { runGatehouse } from '../harness/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a file into the test's temp dir and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError message loadConfig throws for this environment (fails the test if none). */
function problemsFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const SECRET = 'a-master-secret-of-at-least-32-characters!';

describe('config layers', () => {
  it('has documented built-in defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      app_env: 'development',
      host: '127.0.0.1',
      port: 8080,
      public_url: 'http://127.0.0.1:8080',
      data_dir: './data',
      database_url: null,
      redis_url: null,
      redis_prefix: 'gatehouse:',
      trusted_proxies: [],
      metrics: 'open',
      migrate_on_start: true,
    });
    expect(c.log.level).toBe('info');
  });

  it('reads a JSON config file named by GATEHOUSE_CONFIG', () => {
    const path = file('c.json', JSON.stringify({ port: 9001, log: { level: 'debug' }, trusted_proxies: ['10.0.0.1'] }));
    const c = loadConfig({ GATEHOUSE_CONFIG: path });
    expect(c.port).toBe(9001);
    expect(c.log.level).toBe('debug');
    expect(c.log.stdout).toBe(true); // untouched siblings keep their defaults
    expect(c.trusted_proxies).toEqual(['10.0.0.1']);
  });

  it('reads a YAML config file named by GATEHOUSE_CONFIG', () => {
    const path = file('c.yaml', 'port: 9002\nlog:\n  level: error\nshutdown_grace: 3\n');
    const c = loadConfig({ GATEHOUSE_CONFIG: path });
    expect(c).toMatchObject({ port: 9002, shutdown_grace: 3, log: { level: 'error' } });
  });

  it('lets environment variables override the file, nested keys included', () => {
    const path = file('c.yaml', 'port: 9002\nlog:\n  level: error\n');
    const c = loadConfig({
      GATEHOUSE_CONFIG: path,
      GATEHOUSE_PORT: '9100',
      GATEHOUSE_LOG_LEVEL: 'warn',
      GATEHOUSE_TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16',
      GATEHOUSE_MIGRATE_ON_START: 'false',
      DATABASE_URL: 'postgres://u@db/gatehouse',
    });
    expect(c.port).toBe(9100);
    expect(c.log.level).toBe('warn');
    expect(c.trusted_proxies).toEqual(['10.0.0.1', '192.168.0.0/16']);
    expect(c.migrate_on_start).toBe(false);
    expect(c.database_url).toBe('postgres://u@db/gatehouse');
  });

  it('reads secrets from *_FILE, over the plain variable, without the trailing newline', () => {
    const secretFile = file('master.key', `${SECRET}\n`);
    const dbFile = file('db-url', 'postgres://u:pw@db/gatehouse\n');
    const c = loadConfig({
      GATEHOUSE_MASTER_SECRET: 'the-plain-variable-loses-to-the-file-variant',
      GATEHOUSE_MASTER_SECRET_FILE: secretFile,
      DATABASE_URL_FILE: dbFile,
    });
    expect(c.master_secret).toBe(SECRET);
    expect(c.database_url).toBe('postgres://u:pw@db/gatehouse');
  });

  it('names the variable when a *_FILE cannot be read', () => {
    expect(problemsFor({ GATEHOUSE_MASTER_SECRET_FILE: join(dir, 'missing') })).toContain('GATEHOUSE_MASTER_SECRET_FILE: cannot read');
  });

  it('treats an empty variable as unset for optional values', () => {
    expect(loadConfig({ REDIS_URL: '' }).redis_url).toBeNull();
  });

  it('applies the overrides (tests, flags) last', () => {
    expect(loadConfig({ GATEHOUSE_PORT: '9100' }, { port: 9200 }).port).toBe(9200);
  });

  it('returns a frozen object, nested sections included', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.log)).toBe(true);
  });
});

describe('APP_ENV profiles', () => {
  it('development: metrics open, logs to stdout at info', () => {
    const c = loadConfig({ APP_ENV: 'development' });
    expect(c).toMatchObject({ app_env: 'development', metrics: 'open', log: { level: 'info', stdout: true } });
  });

  it('test: quiet logs, nothing on stdout', () => {
    const c = loadConfig({ APP_ENV: 'test' });
    expect(c).toMatchObject({ app_env: 'test', log: { level: 'warn', stdout: false } });
  });

  it('production: metrics need a token', () => {
    const c = loadConfig({
      APP_ENV: 'production',
      GATEHOUSE_PUBLIC_URL: 'https://id.example.com',
      GATEHOUSE_MASTER_SECRET: SECRET,
      GATEHOUSE_METRICS_TOKEN: 'scrape-token',
    });
    expect(c).toMatchObject({ app_env: 'production', metrics: 'token', metrics_token: 'scrape-token' });
  });

  it('profile defaults sit under the file and the environment', () => {
    const path = file('c.json', JSON.stringify({ log: { stdout: true } }));
    expect(loadConfig({ APP_ENV: 'test', GATEHOUSE_CONFIG: path }).log.stdout).toBe(true);
    expect(loadConfig({ APP_ENV: 'test', GATEHOUSE_LOG_LEVEL: 'debug' }).log.level).toBe('debug');
  });

  it('the config file may name the profile; APP_ENV wins over it', () => {
    const path = file('c.yaml', 'app_env: test\n');
    expect(loadConfig({ GATEHOUSE_CONFIG: path }).app_env).toBe('test');
    expect(loadConfig({ GATEHOUSE_CONFIG: path }).log.stdout).toBe(false);
    expect(loadConfig({ GATEHOUSE_CONFIG: path, APP_ENV: 'development' }).app_env).toBe('development');
  });

  it('an unknown APP_ENV names the key and the choices', () => {
    expect(problemsFor({ APP_ENV: 'staging' })).toContain('app_env (APP_ENV): expected one of development | test | production, got "staging"');
  });
});

describe('bad values stop start-up with the key and what was expected', () => {
  it.each([
    [{ GATEHOUSE_PORT: 'eighty' }, 'port (GATEHOUSE_PORT): expected an integer from 0 to 65535, got "eighty"'],
    [{ GATEHOUSE_PORT: '70000' }, 'port (GATEHOUSE_PORT): expected an integer from 0 to 65535, got 70000'],
    [{ GATEHOUSE_METRICS: 'sometimes' }, 'metrics (GATEHOUSE_METRICS): expected one of open | token | off, got "sometimes"'],
    [{ GATEHOUSE_MIGRATE_ON_START: 'perhaps' }, 'migrate_on_start (GATEHOUSE_MIGRATE_ON_START): expected true or false, got "perhaps"'],
    [{ GATEHOUSE_SHUTDOWN_GRACE: '-5' }, 'shutdown_grace (GATEHOUSE_SHUTDOWN_GRACE): expected an integer from 0 to 3600 (seconds), got -5'],
    [{ GATEHOUSE_LOG_LEVEL: 'loud' }, 'log.level (GATEHOUSE_LOG_LEVEL): expected one of fatal | error | warn | info | debug | trace | silent, got "loud"'],
    [{ GATEHOUSE_PUBLIC_URL: 'ftp://files.example.com' }, 'public_url (GATEHOUSE_PUBLIC_URL): expected an http(s) URL, got "ftp://files.example.com"'],
  ])('%o', (env, message) => {
    expect(problemsFor(env)).toContain(message);
  });

  it('never prints the value of a secret it refuses', () => {
    const msg = problemsFor({ GATEHOUSE_MASTER_SECRET: 'short-secret' });
    expect(msg).toContain('master_secret (GATEHOUSE_MASTER_SECRET): expected at least 32 characters');
    expect(msg).not.toContain('short-secret');
  });

  it('lists every bad key at once', () => {
    const msg = problemsFor({ GATEHOUSE_PORT: 'x', GATEHOUSE_BODY_LIMIT: 'y' });
    expect(msg).toContain('port (GATEHOUSE_PORT)');
    expect(msg).toContain('body_limit (GATEHOUSE_BODY_LIMIT)');
  });

  it('reports wrong types in the file under the same key names', () => {
    const path = file('c.json', JSON.stringify({ port: 'x', log: { file_keep: 0 } }));
    const msg = problemsFor({ GATEHOUSE_CONFIG: path });
    expect(msg).toContain('port (GATEHOUSE_PORT): expected an integer from 0 to 65535, got "x"');
    expect(msg).toContain('log.file_keep (GATEHOUSE_LOG_FILE_KEEP): expected an integer from 1 to 1000, got 0');
  });

  it('rejects unknown keys in the file, at any depth', () => {
    const path = file('c.yaml', 'prot: 8080\nlog:\n  levle: debug\n');
    const msg = problemsFor({ GATEHOUSE_CONFIG: path });
    expect(msg).toContain('prot: unknown configuration key');
    expect(msg).toContain('log.levle: unknown configuration key');
  });

  it('rejects a section of the wrong shape', () => {
    const path = file('c.json', JSON.stringify({ log: 5 }));
    expect(problemsFor({ GATEHOUSE_CONFIG: path })).toContain('log: expected a mapping of settings');
  });

  it('names the file when it is not valid JSON or YAML, or missing', () => {
    const json = file('broken.json', '{"port": ');
    expect(problemsFor({ GATEHOUSE_CONFIG: json })).toContain(`GATEHOUSE_CONFIG: ${json} is not valid JSON`);
    const yaml = file('broken.yaml', 'port: [1, 2\n');
    expect(problemsFor({ GATEHOUSE_CONFIG: yaml })).toContain(`GATEHOUSE_CONFIG: ${yaml} is not valid YAML`);
    expect(problemsFor({ GATEHOUSE_CONFIG: join(dir, 'nope.yaml') })).toContain('GATEHOUSE_CONFIG: cannot read');
  });
});

describe('production refuses insecure settings', () => {
  const secure = {
    APP_ENV: 'production',
    GATEHOUSE_PUBLIC_URL: 'https://id.example.com',
    GATEHOUSE_MASTER_SECRET: SECRET,
    GATEHOUSE_METRICS_TOKEN: 'scrape-token',
  };

  it('starts with secure settings', () => {
    expect(loadConfig(secure).app_env).toBe('production');
  });

  it('refuses a missing master secret', () => {
    const { GATEHOUSE_MASTER_SECRET: _, ...env } = secure;
    expect(problemsFor(env)).toContain('master_secret (GATEHOUSE_MASTER_SECRET) is not set — refused in production');
  });

  it('refuses an http public URL', () => {
    expect(problemsFor({ ...secure, GATEHOUSE_PUBLIC_URL: 'http://id.example.com' })).toContain(
      'public_url (GATEHOUSE_PUBLIC_URL) is not https: http://id.example.com — refused in production',
    );
  });

  it('refuses open metrics, and token metrics without a token', () => {
    expect(problemsFor({ ...secure, GATEHOUSE_METRICS: 'open' })).toContain('metrics (GATEHOUSE_METRICS) is open without a token');
    const { GATEHOUSE_METRICS_TOKEN: _, ...noToken } = secure;
    expect(problemsFor(noToken)).toContain('metrics_token (GATEHOUSE_METRICS_TOKEN) is not set');
  });

  it('says how to override, and GATEHOUSE_ALLOW_INSECURE=true does', () => {
    const insecure = { APP_ENV: 'production' };
    expect(problemsFor(insecure)).toContain('set GATEHOUSE_ALLOW_INSECURE=true to override');
    const c = loadConfig({ ...insecure, GATEHOUSE_ALLOW_INSECURE: 'true' });
    expect(c).toMatchObject({ app_env: 'production', allow_insecure: true, master_secret: null });
  });

  it('development accepts the same settings without an override', () => {
    expect(loadConfig({ APP_ENV: 'development', GATEHOUSE_METRICS: 'open' }).metrics).toBe('open');
  });
});

describe('environment names', () => {
  it('every key has exactly one environment name, and no two keys share one', () => {
    const names = leaves.map((l) => l.env);
    const dupes = names.filter((name, i) => names.indexOf(name) !== i);
    expect(dupes).toEqual([]);
    // A secret's *_FILE variant must not be another key's name either.
    const fileNames = leaves.filter((l) => l.schema.secret).map((l) => `${l.env}_FILE`);
    expect(fileNames.filter((f) => names.includes(f))).toEqual([]);
  });

  it('derives GATEHOUSE_ + the key path in upper snake case, except the documented fixed names', () => {
    // Only these three live outside the GATEHOUSE_ namespace (api.md); a section may pin a
    // contract name such as GATEHOUSE_RATE_LIMIT_PER_IP, still inside it.
    const outside = Object.fromEntries(leaves.filter((l) => !l.env.startsWith('GATEHOUSE_')).map((l) => [l.key, l.env]));
    expect(outside).toEqual({ app_env: 'APP_ENV', database_url: 'DATABASE_URL', redis_url: 'REDIS_URL' });
    for (const l of leaves.filter((x) => !x.schema.env)) expect(l.env).toBe(`GATEHOUSE_${l.path.join('_').toUpperCase()}`);
    for (const l of leaves.filter((x) => x.env.startsWith('GATEHOUSE_'))) expect(l.env).toMatch(/^GATEHOUSE_[A-Z0-9_]+$/);
  });

  it('every key is documented', () => {
    expect(leaves.filter((l) => !l.schema.description?.trim()).map((l) => l.key)).toEqual([]);
  });
});

describe('masking', () => {
  it('masks every secret and leaves the rest readable', () => {
    const c = loadConfig({
      GATEHOUSE_MASTER_SECRET: SECRET,
      GATEHOUSE_MASTER_SECRET_PREVIOUS: 'old-secret-one-with-enough-characters-x,old-two',
      DATABASE_URL: 'postgres://u:pw@db/gatehouse',
    });
    const m = maskedConfig(c) as Record<string, unknown>;
    expect(m.master_secret).toBe('********');
    expect(m.master_secret_previous).toEqual(['********', '********']);
    expect(m.database_url).toBe('********');
    expect(m.redis_url).toBeNull();
    expect(m.port).toBe(8080);
    const text = JSON.stringify(m);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('pw@db');
  });
});

// Each case starts the real command; on a loaded machine that takes seconds.
describe('gatehouse config check (the real CLI)', { timeout: 180_000 }, () => {
  it('prints the effective config with secrets masked and exits 0', async () => {
    const r = await runGatehouse(['config', 'check'], {
      APP_ENV: 'test',
      GATEHOUSE_PORT: '9300',
      GATEHOUSE_MASTER_SECRET: SECRET,
      DATABASE_URL: 'postgres://u:hunter2@db/gatehouse',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('configuration is valid');
    const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1)) as Record<string, unknown>;
    expect(json).toMatchObject({ app_env: 'test', port: 9300, master_secret: '********', database_url: '********' });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('exits 2 on a bad value and names the key', async () => {
    const r = await runGatehouse(['config', 'check'], { GATEHOUSE_PORT: 'eighty', GATEHOUSE_METRICS: 'maybe' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('port (GATEHOUSE_PORT): expected an integer from 0 to 65535, got "eighty"');
    expect(r.stderr).toContain('metrics (GATEHOUSE_METRICS): expected one of open | token | off');
  });

  it('exits 2 when production settings are insecure', async () => {
    const r = await runGatehouse(['config', 'check'], { APP_ENV: 'production' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refused in production');
  });

  it('has --help on the command and on the top level', async () => {
    const [help, top] = await Promise.all([runGatehouse(['config', 'check', '--help'], {}), runGatehouse(['--help'], {})]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: gatehouse config check');
    expect(top.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'config check']) expect(top.stdout).toContain(cmd);
  });
});
