import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { currentTraceId } from './context.js';
import { RotatingFile } from './rotating-file.js';

/** Field names whose values never reach a log line, wherever they sit (up to three levels deep). */
const SECRET_FIELDS = [
  'password', 'current_password', 'new_password', 'token', 'access_token', 'refresh_token', 'id_token',
  'mfa_token', 'secret', 'client_secret', 'code', 'codes', 'master_secret', 'metrics_token', 'cookie',
  'authorization', 'database_url', 'redis_url', 'response',
];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gatehouse-signature"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

export interface LoggerHandle {
  logger: Logger;
  appLogPath: string;
  close(): void;
}

/** JSON logs to stdout and to a rotating `app.log` in the data dir; each line carries the trace id. */
export function createLogger(config: Config, extraStream?: NodeJS.WritableStream): LoggerHandle {
  const appLogPath = join(config.data_dir, 'logs', 'app.log');
  const file = new RotatingFile(appLogPath, {
    maxBytes: config.log.file_max_bytes,
    maxAgeMs: config.log.file_max_age * 1000,
    keep: config.log.file_keep,
  });
  const streams: pino.StreamEntry[] = [{ stream: file }];
  if (config.log.stdout) streams.push({ stream: process.stdout });
  if (extraStream) streams.push({ stream: extraStream });
  const logger = pino(
    {
      level: config.log.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Fastify's request loggers already bind trace_id; other lines get it from the async context.
      mixin(_obj, _level, log) {
        const traceId = currentTraceId();
        if (!traceId || (log as Logger).bindings().trace_id) return {};
        return { trace_id: traceId };
      },
    },
    pino.multistream(streams),
  );
  return { logger, appLogPath, close: () => file.end() };
}
