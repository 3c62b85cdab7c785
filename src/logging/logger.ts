import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { currentTraceId } from './context.js';
import { RotatingFile } from './rotating-file.js';

/**
 * Field names whose values never reach a log line, at any depth: anything naming a password,
 * secret, token, cookie or authorization, credential-carrying URLs, and one-time codes.
 */
const SECRET_NAME = /passw(or)?d|secret|token|authorization|cookie|api_?key|private_?key|(database|redis|smtp)_url/i;
const SECRET_EXACT = /^(code|codes|otp|recovery_codes?|response)$/i;
const CENSOR = '[redacted]';

/** Header paths as the request/response serializers shape them (applied after serialization). */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gatehouse-signature"]',
  'res.headers["set-cookie"]',
];

export const isSecretField = (name: string): boolean => SECRET_NAME.test(name) || SECRET_EXACT.test(name);

const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of a log object with secret fields censored. Only plain objects and arrays are walked:
 * errors, requests and replies go through their serializers (which never include bodies or headers).
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== null && v !== undefined ? CENSOR : redactSecrets(v, depth + 1);
  }
  return out;
}

export interface LoggerHandle {
  logger: Logger;
  appLogPath: string;
  /** Flushes and closes the app log file; later lines go to the other streams only. */
  close(): void;
}

/**
 * JSON logs to stdout and to a rotating `logs/app.log` in the data dir; a line written while a
 * request is handled carries its trace id. `extraStream` receives the same lines (tests).
 */
export function createLogger(config: Config, extraStream?: NodeJS.WritableStream): LoggerHandle {
  const appLogPath = join(config.data_dir, 'logs', 'app.log');
  const file = new RotatingFile(appLogPath, {
    maxBytes: config.log.file_max_bytes,
    maxAgeMs: config.log.file_max_age * 1000,
    keep: config.log.file_keep,
    rotateEveryMs: config.log.rotate_interval * 1000,
  });
  const streams: pino.StreamEntry[] = [{ stream: file, level: 'trace' }];
  if (config.log.stdout) streams.push({ stream: process.stdout, level: 'trace' });
  if (extraStream) streams.push({ stream: extraStream, level: 'trace' });
  const multi = pino.multistream(streams);
  const chindings = pino.symbols.chindingsSym;
  const logger = pino(
    {
      level: config.log.level,
      redact: { paths: redactPaths, censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactSecrets(obj) as Record<string, unknown>,
      },
      // Fastify's request loggers already bind trace_id; other lines get it from the async context.
      mixin(_obj, _level, log) {
        const traceId = currentTraceId();
        if (!traceId) return {};
        const bound = (log as unknown as Record<symbol, string | undefined>)[chindings];
        return bound?.includes('"trace_id":') ? {} : { trace_id: traceId };
      },
    },
    multi,
  );
  let closed = false;
  return {
    logger,
    appLogPath,
    close: () => {
      if (closed) return;
      closed = true;
      // Detach the file before ending it so a late line can never hit a closed stream.
      const entry = (multi.streams as Array<{ stream: unknown; id?: number }>).find((s) => s.stream === file);
      if (entry?.id !== undefined) multi.remove(entry.id);
      file.end();
    },
  };
}
