import { ErrorCodes, type ErrorCode, type ErrorCodeInfo } from './codes.js';

export interface ErrorDetails {
  /** The object the error is about: a table, a spec key, a server. */
  readonly subject?: string;
  /** What to do about it, in words, when more specific than the code's description. */
  readonly fix?: string;
  readonly [key: string]: unknown;
}

const SECRET_KEYS = /password|passwd|secret|token|access_?key|api_?key/i;

/**
 * The one error type that crosses package boundaries. Messages never contain secrets:
 * callers pass them through `redact` and `toJSON` drops detail keys that look secret.
 */
export class TidewaterError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TidewaterError';
    this.code = code;
    this.details = details;
  }

  get retriable(): boolean {
    return ErrorCodes[this.code].retriable;
  }

  /** The message plus the fix, as a person should read it. */
  describe(): string {
    const fix = this.details.fix ?? ErrorCodes[this.code].description;
    return `${this.code}: ${this.message}\n  fix: ${fix}`;
  }

  toJSON(): Record<string, unknown> {
    const details: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.details)) details[k] = SECRET_KEYS.test(k) ? '***' : v;
    return { code: this.code, message: this.message, details };
  }
}

/** Thrown when something that cannot happen did: a bug, never retried. */
export class AssertionError extends TidewaterError {
  constructor(message: string) {
    super('TW_INTERNAL', message);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function isTidewaterError(e: unknown): e is TidewaterError {
  return e instanceof TidewaterError;
}

/** Retriable unless a TidewaterError says otherwise; unknown errors are treated as transient. */
export function isRetriable(e: unknown): boolean {
  return isTidewaterError(e) ? e.retriable : true;
}

/** Removes every occurrence of the given secrets from a text (error messages from drivers). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length > 0) out = out.split(s).join('***');
  }
  // URLs with inline credentials: mysql://user:secret@host
  return out.replace(/(\w+:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@');
}

/** Which DTS retry window applies to an error: lost connections get the long one. */
export type RetryWindow = 'connection' | 'other' | 'fatal';

const CONNECTION_CODES: ReadonlySet<string> = new Set(['TW_SOURCE_UNREACHABLE', 'TW_BUS_UNAVAILABLE']);

/** Classified by code, never by message text; errors without a code count as "other". */
export function retryWindowOf(code: string): RetryWindow {
  if (CONNECTION_CODES.has(code)) return 'connection';
  const info = (ErrorCodes as Record<string, ErrorCodeInfo | undefined>)[code];
  return info && !info.retriable ? 'fatal' : 'other';
}

/** The stable code of any thrown value; errors from outside Tidewater's adapters are TW_UNCLASSIFIED. */
export function errorCodeOf(e: unknown): ErrorCode {
  return isTidewaterError(e) ? e.code : 'TW_UNCLASSIFIED';
}
