import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import type { TemplateName, TemplateVars } from '../../src/mail/types.js';

export const PUBLIC_URL = 'https://id.example.test';

/** A test config with a fresh data dir; `cleanup` removes the dir. */
export function mailConfig(overrides: Record<string, unknown> = {}): { config: Config; cleanup(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-mail-'));
  // Level info: the tests read the 'mail sent' lines.
  const config = loadConfig({}, { app_env: 'test', data_dir: dataDir, public_url: PUBLIC_URL, log: { level: 'info' }, ...overrides });
  return { config, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** The real logger (with its redaction), whose lines are also collected as parsed JSON and raw text. */
export function capturingLogger(config: Config) {
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const handle = createLogger(config, sink);
  return { logger: handle.logger, lines, raw: () => raw, close: handle.close };
}

export const TOKEN = 'tok_Q2hhbmdlTWVJZllvdUNhbi1zZWNyZXQ';

/** Values for every template; links carry TOKEN. */
export const samples: { [K in TemplateName]: TemplateVars[K] } = {
  verify_email: { name: 'Ada', link: `${PUBLIC_URL}/verify-email?token=${TOKEN}`, code: '042917' },
  welcome: { name: 'Ada', login_url: `${PUBLIC_URL}/login` },
  invite: { inviter_name: 'Grace', link: `${PUBLIC_URL}/invite?token=${TOKEN}`, expires_in_days: 7 },
  password_reset: { name: 'Ada', link: `${PUBLIC_URL}/reset-password?token=${TOKEN}`, expires_in_minutes: 30 },
  password_changed: { name: 'Ada', time: Date.UTC(2025, 2, 3, 14, 5), ip: '203.0.113.9' },
  registration_attempt: { name: 'Ada', reset_link: `${PUBLIC_URL}/reset-password?token=${TOKEN}` },
  mfa_code: { name: 'Ada', code: '731904', expires_in_minutes: 10 },
  account_locked: { name: 'Ada', until: new Date(Date.UTC(2025, 2, 3, 15, 0)) },
  admin_setup: { name: 'Ada', link: `${PUBLIC_URL}/reset-password?token=${TOKEN}` },
};
