import { isSpanContextValid, trace } from '@opentelemetry/api';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Registers a secret: it is replaced by *** in every later line of every logger. */
  addSecret(secret: string): void;
}

const secrets = new Set<string>();
const SECRET_FIELD = /password|passwd|secret|token|access_?key|api_?key/i;

function scrub(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out.replace(/(\w+:\/\/[^:/@\s"]+:)[^@\s"]+@/g, '$1***@');
}

/** JSON lines on stderr (stdout belongs to the CLI's human output). */
export function createLogger(
  service: string,
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const record: Record<string, unknown> = { t: new Date().toISOString(), level: lvl, service, msg };
    // A line written inside a span names it, so logs and traces join on trace_id.
    const sc = trace.getActiveSpan()?.spanContext();
    if (sc && isSpanContextValid(sc)) {
      record.trace_id = sc.traceId;
      record.span_id = sc.spanId;
    }
    for (const [k, v] of Object.entries(fields ?? {})) {
      record[k] = SECRET_FIELD.test(k)
        ? '***'
        : v instanceof Error
          ? { name: v.name, message: v.message, ...('code' in v ? { code: v.code } : {}) }
          : v;
    }
    write(scrub(JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    addSecret: (s) => {
      if (s) secrets.add(s);
    },
  };
}
