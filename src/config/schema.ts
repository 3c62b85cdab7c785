import { Type, type Static } from 'typebox';
import { bool, int, list, oneOf, optStr, seconds, str } from './types.js';
import { ProtectionSection } from './protection-schema.js';

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
      cleanup_interval: seconds(3600, {
        description: 'How often the cleanup job deletes ended sessions and expired refresh tokens; one instance runs it at a time (0 = never)',
      }),
      ended_retention: seconds(7 * 86400, {
        description: 'Revoked or expired sessions stay listed for audit (admin, with the revocation reason) this long before cleanup deletes them',
      }),
    }),
    password: Type.Object({
      argon2_memory_kib: int(19456, 1024, 4 * 1024 * 1024, { description: 'argon2id memory cost (KiB)' }),
      argon2_iterations: int(2, 1, 100, { description: 'argon2id time cost (iterations)' }),
      argon2_parallelism: int(1, 1, 16, { description: 'argon2id parallelism' }),
      min_length: int(12, 8, 256, { description: 'Fewest characters (Unicode code points) a new password may have' }),
      max_length: int(256, 64, 4096, { description: 'Most characters a new password may have; longer ones are refused, never cut' }),
      min_score: int(3, 0, 4, { description: 'Lowest zxcvbn strength score (0-4) a new password must reach' }),
      reject_common: bool(true, { description: 'Refuse passwords on, or close to, the common-password dictionaries' }),
      reject_context: bool(true, {
        description: "Refuse passwords containing the user's email local part, name or the product name",
      }),
    }),
    registration: oneOf(['open', 'invite_only', 'closed'] as const, 'invite_only', {
      description: 'Self-registration: open, invite_only (only invitations create accounts) or closed',
    }),
    require_email_verification: bool(true, {
      description: 'New self-registered accounts stay pending until the address is verified',
    }),
    bootstrap_admin_email: optStr({ description: 'On first start, create a superuser with this email (idempotent)' }),
    bootstrap_admin_password: optStr({
      secret: true,
      description: 'Password of the bootstrap superuser; unset = a one-time setup link is printed at start',
    }),
    accounts: Type.Object({
      verification_ttl: seconds(86400, { description: 'Lifetime of an email verification link and code' }),
      verification_code_attempts: int(10, 1, 100, { description: 'Wrong codes allowed per mailed verification code' }),
      verification_resend_limit: int(5, 1, 1000, { description: 'Verification mails per address per resend window' }),
      verification_resend_window: seconds(3600, { description: 'Window of verification_resend_limit' }),
      reset_ttl: seconds(3600, { description: 'Lifetime of a password reset link' }),
      reset_mail_limit: int(5, 1, 1000, { description: 'Reset mails per address per hour (more are silently dropped)' }),
      setup_link_ttl: seconds(3 * 86400, { description: 'Lifetime of a first-password setup link (admin-created users, CLI)' }),
      invitation_ttl: seconds(7 * 86400, { description: 'Lifetime of an invitation link' }),
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
      algorithm: oneOf(['EdDSA', 'ES256', 'RS256'] as const, 'ES256', {
        description:
          "Signature algorithm of access tokens (ES256 = ECDSA P-256, EdDSA = Ed25519). After a change, the old algorithm's key keeps verifying; when its rotation is due it is not renewed but verifies for the retire window, then retires",
      }),
      audience: optStr({ description: 'The `aud` of access tokens and the only one accepted; unset = the public URL' }),
      access_ttl: seconds(900, { description: 'Access token lifetime' }, 86400),
      refresh_ttl: seconds(3600, { description: 'Refresh token lifetime without remember-me' }),
      access_ttl_remember: seconds(86400, {
        description: 'Access token lifetime with remember-me; also bounds how long a rotated signing key keeps verifying',
      }, 7 * 86400),
      refresh_ttl_remember: seconds(14 * 86400, { description: 'Refresh token lifetime with remember-me' }),
      refresh_reuse_grace: seconds(0, {
        description:
          'Window after a rotation in which the consumed refresh token, presented again, is refused (401) without revoking the session — ' +
          'for clients that retry or race; a thief replaying within the window then goes undetected (0 = none: any reuse revokes)',
      }, 60),
      // Documented bar (security checklist row 38): never more than 30 s of tolerance.
      clock_skew: seconds(30, { description: 'Tolerance for exp/nbf/iat against our clock, at most 30' }, 30),
    }),
    keys: Type.Object({
      rotation_interval: seconds(90 * 86400, {
        description: 'Make a new signing key the signer when the active one is this old (0 = only `gatehouse keys rotate`)',
      }),
    }),
    events: Type.Object({
      retention: seconds(90 * 86400, { description: 'Delete stored security events older than this (0 = keep them forever)' }),
      prune_interval: seconds(3600, { description: 'How often the event retention job runs (one instance at a time)' }, 7 * 86400),
      stream_heartbeat: seconds(15, {
        description: 'Send a comment on open event streams this often (keeps proxies from closing idle ones; also re-checks the session and role; 0 = never)',
      }, 300),
      stream_poll: seconds(5, {
        description: 'While event streams are open, also read new events from the database this often (0 = only pub/sub)',
      }, 300),
    }),
    protection: ProtectionSection,
    mfa: Type.Object({
      required_roles: list(['staff', 'superuser'], {
        description: 'Roles that must have a second factor: a user of these roles without one must enrol one before getting a session (empty = none)',
      }),
      token_ttl: seconds(300, { description: 'Lifetime of an mfa_token between the password step and the second factor' }, 3600),
      code_ttl: seconds(600, { description: 'Lifetime of a mailed or texted code (at most 10 minutes)' }, 600),
      code_attempts: int(3, 1, 10, { description: 'Wrong entries allowed per mailed or texted code' }),
      send_limit_per_day: int(10, 1, 10000, { description: 'Email and SMS codes sent per user per UTC day, delivered or not' }),
      max_failures: int(5, 1, 100, { description: 'Consecutive second-factor failures that lock MFA for the user' }),
      lock_duration: seconds(900, { description: 'How long MFA stays locked after max_failures' }),
      reauth_max_age: seconds(900, {
        description: 'Adding second factors or making recovery codes needs a login (or password) this recent',
      }),
      trusted_device_ttl: seconds(30 * 86400, { description: 'How long a trusted device skips MFA' }),
      totp_issuer: optStr({ description: 'Issuer shown in authenticator apps; unset = brand.product_name' }),
      passkey_passwordless: bool(true, { description: 'Allow passkeys as a passwordless first factor (POST /api/v1/auth/passkey/…)' }),
      webauthn_rp_id: optStr({ description: 'WebAuthn relying party id; unset = the public URL host' }),
      webauthn_origins: list([], { description: 'Origins WebAuthn responses may come from; empty = the public URL origin' }),
      cleanup_interval: seconds(3600, {
        description: 'How often ended MFA logins, codes, challenges and old trusted devices are deleted (one instance at a time; 0 = never)',
      }),
    }),
    sms: Type.Object({
      provider: oneOf(['log', 'webhook'] as const, 'log', {
        description: 'How SMS codes leave: log (development: the app log; the text only in the development profile) or webhook',
      }),
      webhook_url: optStr({ description: 'URL the webhook provider POSTs {to, message} to (signed with webhook_secret)' }),
      webhook_secret: optStr({ secret: true, description: 'Shared secret of the X-Gatehouse-Signature HMAC on SMS webhook calls' }),
      webhook_timeout: seconds(10, { description: 'Time limit of one SMS webhook call' }, 120),
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
      rotate_interval: seconds(86400, { description: 'Also rotate a log file once it is this old (0 = by size only)' }),
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
