import { TidewaterError, isTidewaterError, redact, type ErrorCode } from '@tidewater/errors';
import { tlsError } from './tls.js';
import type { SourceTls } from './types.js';

/**
 * Turns mysql2 / socket errors into TidewaterErrors with stable codes. Invariant: the password
 * never appears in a message (every driver text goes through `redact`), and the user is named
 * only together with the host it was refused at.
 */

export interface ErrorContext {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The connection's `source.tls`: TLS failures name its mode and CA file. */
  readonly tls?: SourceTls;
  /** db.table the statement was about, when there is one. */
  readonly subject?: string;
  /** The caller's row filter, when the failing statement carried one. */
  readonly filterSql?: string;
  /**
   * Set by the binlog reader: the error ended a replication stream read from `from`. A stream
   * that fails for any other reason than those classified is a lost source (retried).
   */
  readonly binlogStream?: { readonly from?: { readonly file: string; readonly pos: bigint } };
}

/**
 * The source cannot send the binlog from the requested position (ER_MASTER_FATAL_ERROR_READING_BINLOG,
 * named ER_SOURCE_… by newer drivers: matched by number). Retrying cannot help.
 */
const ER_FATAL_READING_BINLOG = 1236;

export const BINLOG_PURGED_FIX =
  'the changes since that position are gone from the source; resuming this task meets the same gap. ' +
  'Resync the tables (tidewater task resync ID --all: capture restarts at the binlog end and every table is copied again beside it) ' +
  "or recreate the task; and raise the source's binlog retention (binlog_expire_logs_seconds / expire_logs_days) above the longest time a task may be stopped";

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_NORMAL_SHUTDOWN',
  'ER_SHUTDOWN_COMPLETE',
  'ER_CONNECTION_KILLED',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  // What is left of it after tls.ts took the certificate and protocol failures: a socket dropped mid-handshake.
  'HANDSHAKE_SSL_ERROR',
]);
const AUTH = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  'ER_ACCOUNT_HAS_BEEN_LOCKED',
  'ER_MUST_CHANGE_PASSWORD_LOGIN',
  'AUTH_SWITCH_PLUGIN_ERROR',
]);
const PRIVILEGES = new Set([
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_PROCACCESS_DENIED_ERROR',
]);
const NOT_FOUND = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_DB_ERROR']);
/** Errors a malformed row filter causes: not worth retrying. */
const BAD_STATEMENT = new Set([
  'ER_PARSE_ERROR',
  'ER_BAD_FIELD_ERROR',
  'ER_SP_DOES_NOT_EXIST',
  'ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT',
  'ER_INVALID_GROUP_FUNC_USE',
  'ER_OPERAND_COLUMNS',
  'ER_NON_UNIQ_ERROR',
  'ER_WRONG_ARGUMENTS',
]);

interface DriverErrorLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  errors?: unknown;
}

function codeOf(e: unknown): string {
  const code = (e as DriverErrorLike | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The driver's text; Node's AggregateError (happy eyeballs over ::1 and 127.0.0.1) has none. */
function textOf(e: unknown): string {
  if (e === null || typeof e !== 'object') return String(e);
  const { message, errors } = e as DriverErrorLike;
  if (typeof message === 'string' && message.length > 0) return message;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(textOf).join('; ');
  return codeOf(e) || 'unknown error';
}

export function mapDriverError(e: unknown, ctx: ErrorContext, during: string): TidewaterError {
  if (isTidewaterError(e)) return e;
  const code = codeOf(e);
  const at = `${ctx.host}:${ctx.port}`;
  const detail = redact(textOf(e), [ctx.password]);
  const make = (c: ErrorCode, message: string, fix?: string) =>
    new TidewaterError(
      c,
      message,
      { subject: ctx.subject ?? at, driverCode: code || undefined, ...(fix ? { fix } : {}) },
      { cause: redactedCause(code, detail) },
    );

  if ((e as DriverErrorLike | null)?.errno === ER_FATAL_READING_BINLOG) {
    const from = ctx.binlogStream?.from;
    return new TidewaterError(
      'TW_BINLOG_PURGED',
      `the source ${at} cannot send its binlog${from ? ` from ${from.file}:${from.pos}` : ''}: ${detail}`,
      { subject: at, driverCode: ER_FATAL_READING_BINLOG, fix: BINLOG_PURGED_FIX },
      { cause: redactedCause(code, detail) },
    );
  }
  const tls = tlsError(code, detail, ctx);
  if (tls) return new TidewaterError(tls.code, tls.message, tls.details, { cause: redactedCause(code, detail) });
  if (UNREACHABLE.has(code)) {
    return make(
      'TW_SOURCE_UNREACHABLE',
      `cannot reach source at ${at}: ${detail}`,
      `check that the MySQL/MariaDB server at ${at} runs and accepts TCP connections from this machine (host, port, firewall)`,
    );
  }
  if (AUTH.has(code)) {
    return make(
      'TW_SOURCE_AUTH',
      `source at ${at} refused user '${ctx.user}': ${detail}`,
      `check the user and password of the source connection for '${ctx.user}' at ${at}, and that the account may connect from this host`,
    );
  }
  if (PRIVILEGES.has(code)) {
    return make(
      'TW_SOURCE_PRIVILEGES',
      `user '${ctx.user}' lacks a privilege on the source while ${during}: ${detail}`,
      `GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${ctx.user}'`,
    );
  }
  if (NOT_FOUND.has(code)) {
    return make(
      'TW_OBJECT_NOT_FOUND',
      `${ctx.subject ?? 'an object'} does not exist on the source (${during}): ${detail}`,
    );
  }
  if (ctx.filterSql !== undefined && BAD_STATEMENT.has(code)) {
    return make(
      'TW_SPEC_INVALID',
      `the row filter of ${ctx.subject ?? 'a table'} is rejected by the source: ${detail}`,
      "fix the filter expression: it must be a valid MySQL boolean expression over the table's columns",
    );
  }
  if (ctx.binlogStream) return make('TW_SOURCE_UNREACHABLE', `binlog stream from ${at} failed: ${detail}`);
  return make('TW_SOURCE_QUERY', `source query failed while ${during}: ${detail}`);
}

/** The cause kept on the TidewaterError: a plain Error with redacted text, not the driver object. */
function redactedCause(code: string, detail: string): Error {
  const cause = new Error(detail);
  cause.name = code || 'DriverError';
  return cause;
}
