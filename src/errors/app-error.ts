import { errorCatalogue, type ErrorCode } from './catalogue.js';

/** One failed rule inside a problem: `errors: [{code, message, field?}]`. */
export interface ProblemItem {
  code: string;
  message: string;
  field?: string;
}

export interface AppErrorOptions {
  detail?: string;
  errors?: ProblemItem[];
  retryAfter?: number;
  /** Extra members of the problem body (e.g. blocked_until). Never put secrets here. */
  extra?: Record<string, unknown>;
  status?: number;
}

/** The one error type services throw; the HTTP layer renders it as problem+json. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly options: AppErrorOptions = {},
  ) {
    super(options.detail ?? errorCatalogue[code].title);
    this.name = 'AppError';
    this.status = options.status ?? errorCatalogue[code].status;
  }
}

/** Guard: throws AppError(code) unless cond holds. */
export function assert(cond: unknown, code: ErrorCode, options?: AppErrorOptions): asserts cond {
  if (!cond) throw new AppError(code, options);
}
