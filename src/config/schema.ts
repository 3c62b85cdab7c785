import { Type, type Static } from 'typebox';
import { bool, int, list, oneOf, optStr, seconds, str } from './types.js';

/**
 * The whole configuration. Each capability owns a section; the foundation keys sit at the top.
 * Environment name of a key: GATEHOUSE_ + its path in upper snake case (see env.ts), unless `env` says otherwise.
 */
export const ConfigSchema = Type.Object(
  {
    app_env: oneOf(['development', 'test', 'production'] as const, 'development', {
      env: 'APP_ENV',
      description: 'Profile that picks defaults: development | test | production',
    }),
    host: str('127.0.0.1', { description: 'Address to listen on' }),
    port: int(8080, 0, 65535, { description: 'TCP port to listen on (0 = any free port)' }),
    public_url: str('http://127.0.0.1:8080', {
      description: 'External URL of this server: token issuer, mail links, cookie and CSRF origin',
    }),
    data_dir: str('./data', { description: 'Directory for the SQLite file, logs, outbox and generated secrets' }),
    database_url: optStr({
      env: 'DATABASE_URL',
      secret: true,
      description: 'postgres://… to use Postgres; unset = SQLite file in the data dir (a path or sqlite:… also works)',
    }),
    redis_url: optStr({ env: 'REDIS_URL', secret: true, description: 'redis://… for shared cache; unset = in-process' }),
    redis_prefix: str('gatehouse:', { description: 'Prefix of every Redis key and channel' }),
    master_secret: optStr({
      secret: true,
      description: 'Root secret (≥ 32 chars) from which all encryption and signing subkeys derive; generated into the data dir in development when unset',
    }),
    master_secret_previous: list([], {
      secret: true,
      description: 'Earlier master secrets, still accepted for decryption while `gatehouse secrets rotate` re-encrypts',
    }),
    trusted_proxies: list([], {
      description: 'IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed; none by default',
    }),
    cors_origins: list([], { description: 'Origins allowed to call the API with bearer tokens from a browser' }),
    body_limit: int(64 * 1024, 1024, 10 * 1024 * 1024, { description: 'Largest accepted request body (bytes)' }),
    migrate_on_start: bool(true, { description: 'Run pending database migrations when the server starts' }),
    shutdown_grace: seconds(10, { description: 'How long in-flight requests may run after SIGTERM' }, 3600),
    metrics: oneOf(['open', 'token', 'off'] as const, 'open', {
      description: 'Access to /metrics: open, token (Bearer metrics_token) or off',
    }),
    metrics_token: optStr({ secret: true, description: 'Bearer token for /metrics when metrics=token' }),
    allow_insecure: bool(false, {
      description: 'Start in production despite insecure settings (http public URL, no master secret, open metrics)',
    }),
    sessions: Type.Object({
      idle_ttl: seconds(3600, { description: 'Session idle window without remember-me; activity slides it' }),
      idle_ttl_remember: seconds(14 * 86400, { description: 'Session idle window with remember-me' }),
      absolute_ttl: seconds(30 * 86400, { description: 'Absolute session lifetime from login, never extended' }),
      single_session: bool(false, { description: 'A new login ends the user\'s other sessions (per-user override exists)' }),
    }),
    password: Type.Object({
      argon2_memory_kib: int(19456, 1024, 4 * 1024 * 1024, { description: 'argon2id memory cost (KiB)' }),
      argon2_iterations: int(2, 1, 100, { description: 'argon2id time cost (iterations)' }),
      argon2_parallelism: int(1, 1, 16, { description: 'argon2id parallelism' }),
    }),
    smtp: Type.Object({
      url: optStr({
        secret: true,
        description: 'smtp://user:pass@host:port or smtps://… to send mail; unset = .eml files in the data dir outbox',
      }),
      from: str('Gatehouse <no-reply@localhost>', { description: 'From address of every mail' }),
    }),
    brand: Type.Object({
      product_name: str('Gatehouse', { description: 'Product name shown in mails and pages' }),
      primary_color: str('#2563eb', { description: 'CSS colour of buttons and links in mails' }),
      background_color: str('#f4f5f7', { description: 'CSS colour behind the mail card' }),
      text_color: str('#1f2937', { description: 'CSS colour of mail body text' }),
    }),
    tokens: Type.Object({
      algorithm: oneOf(['EdDSA', 'ES256', 'RS256'] as const, 'EdDSA', {
        description: 'Signature algorithm of access tokens (EdDSA = Ed25519)',
      }),
      audience: optStr({ description: 'The `aud` of access tokens and the only one accepted; unset = the public URL' }),
      access_ttl: seconds(900, { description: 'Access token lifetime' }, 86400),
      refresh_ttl: seconds(3600, { description: 'Refresh token lifetime without remember-me' }),
      access_ttl_remember: seconds(86400, {
        description: 'Access token lifetime with remember-me; also bounds how long a rotated signing key keeps verifying',
      }, 7 * 86400),
      refresh_ttl_remember: seconds(14 * 86400, { description: 'Refresh token lifetime with remember-me' }),
      refresh_reuse_grace: seconds(0, {
        description: 'Window in which presenting the just-consumed refresh token again is not treated as reuse (0 = none)',
      }, 60),
      // Documented bar (security checklist row 38): never more than 30 s of tolerance.
      clock_skew: seconds(30, { description: 'Tolerance for exp/nbf/iat against our clock, at most 30' }, 30),
    }),
    keys: Type.Object({
      rotation_interval: seconds(90 * 86400, {
        description: 'Make a new signing key the signer when the active one is this old (0 = only `gatehouse keys rotate`)',
      }),
    }),
    log: Type.Object({
      level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', {
        description: 'Log level',
      }),
      stdout: bool(true, { description: 'Write JSON logs to stdout' }),
      file_max_bytes: int(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024, {
        description: 'Rotate a log file when it grows past this size (bytes)',
      }),
      file_max_age: seconds(7 * 86400, { description: 'Delete rotated log files older than this' }),
      file_keep: int(10, 1, 1000, { description: 'Keep at most this many rotated files per log' }),
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
