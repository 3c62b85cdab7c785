import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

/**
 * A request's logger that makes its pino child (with the trace id bound) only when a line at an
 * enabled level is written. Fastify asks for a child on every request, and at the usual level most
 * requests write nothing: building the child (bindings, level methods) was a measurable share of a
 * bearer-authenticated request (bench/README.md). Lines written carry the same fields as before.
 */
class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.opts));
  }

  private write(level: Level, args: unknown[]): void {
    // A route-level log level (opts.level) changes what is enabled: let the real child decide then.
    if (this.made || this.opts.level !== undefined || this.parent.isLevelEnabled(level)) {
      (this.real()[level] as (...a: unknown[]) => void)(...args);
    }
  }

  get level(): string {
    return this.made?.level ?? this.opts.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  // Prototype methods, not per-instance closures: one small object per request is the point.
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, opts);
  }
}

/** Fastify's `childLoggerFactory`: the parent is the app's pino logger (see LazyRequestLogger). */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  // The class has every method Fastify checks for (validateLogger); LogFn's overloads are not spelled out.
  return new LazyRequestLogger(parent as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }, bindings, opts) as unknown as FastifyBaseLogger;
}
