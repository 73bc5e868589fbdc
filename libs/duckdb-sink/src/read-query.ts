import type { DuckDBConnection } from '@duckdb/node-api';
import { TidewaterError, isTidewaterError } from '@tidewater/errors';
import { prepareRead } from './read-guard.js';

/** A cell as it leaves the warehouse: 64-bit integers, decimals, times, blobs and nested values as their text. */
export type Cell = null | boolean | number | string;

export interface QueryResult {
  readonly columns: string[];
  readonly columnTypes: string[];
  readonly rows: Cell[][];
  /** Why rows were left off (row or byte cap); empty when the result is complete. */
  readonly truncated: string;
}

export interface ReadLimits {
  /** 0 or unset: 10,000 rows. */
  readonly maxRows?: number;
  /** Budget of the rows as JSON; unset: no cap (an offline query prints what it reads). */
  readonly maxBytes?: number;
  /** 0 or unset: 60 s. */
  readonly timeoutMs?: number;
  /** Interrupts the query (the sink releasing the file). */
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_TIMEOUT_MS = 600_000;

/**
 * Runs `fn` inside a read-only transaction on `c` that is always rolled back, interrupting
 * it after `timeoutMs` or when `signal` aborts. DuckDB's MVCC gives the transaction one
 * snapshot and lets the writer's transactions commit meanwhile: a read never blocks the
 * sink's writes. `c` must be a connection of its own (an interrupt stops whatever it runs).
 */
export async function inReadTransaction<T>(
  c: DuckDBConnection,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  let stopped: 'timeout' | 'abort' | undefined;
  const interrupt = (why: 'timeout' | 'abort') => {
    stopped ??= why;
    c.interrupt();
  };
  const timer = setTimeout(() => interrupt('timeout'), timeoutMs);
  const onAbort = () => interrupt('abort');
  signal?.addEventListener('abort', onAbort);
  await c.run('BEGIN TRANSACTION READ ONLY');
  try {
    if (signal?.aborted) onAbort();
    return await fn();
  } catch (e) {
    if (stopped === 'timeout')
      throw new TidewaterError(
        'TW_QUERY_TIMEOUT',
        `the ${what} ran longer than ${timeoutMs / 1000} s and was interrupted`,
        { subject: what, fix: 'narrow it (WHERE, LIMIT, fewer columns) or raise --timeout' },
        { cause: e },
      );
    if (stopped === 'abort')
      throw new TidewaterError(
        'TW_BUS_UNAVAILABLE',
        `the ${what} was interrupted: the sink is releasing the warehouse`,
        { subject: what, fix: 'ask again; once no task runs on the file, tidewater reads it directly' },
        { cause: e },
      );
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await c.run('ROLLBACK').catch(() => undefined);
  }
}

/**
 * One guarded read (`read-guard.ts`) on its own connection: at most `maxRows` rows and
 * `maxBytes` of JSON, read chunk by chunk so a huge result is never held whole.
 */
export async function runRead(c: DuckDBConnection, sql: string, limits: ReadLimits = {}): Promise<QueryResult> {
  const maxRows = limits.maxRows || DEFAULT_MAX_ROWS;
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const timeoutMs = Math.min(limits.timeoutMs || DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS);
  return inReadTransaction(c, timeoutMs, limits.signal, 'query', async () => {
    const prepared = await prepareRead(c, sql);
    try {
      const result = await prepared.stream();
      const rows: Cell[][] = [];
      let bytes = 2;
      let truncated = '';
      fetch: for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const row of chunk.getRows()) {
          const cells = row.map(cell);
          const size = Buffer.byteLength(JSON.stringify(cells)) + 1;
          if (rows.length === maxRows) truncated = `only the first ${maxRows} rows (row cap; add LIMIT or --max-rows)`;
          else if (bytes + size > maxBytes)
            truncated = `only the first ${rows.length} rows: the rest exceeds ${maxBytes} bytes, what one reply carries (select fewer columns or rows)`;
          if (truncated) break fetch;
          rows.push(cells);
          bytes += size;
        }
      }
      return { columns: result.columnNames(), columnTypes: result.columnTypes().map(String), rows, truncated };
    } catch (e) {
      if (isTidewaterError(e)) throw e;
      throw new TidewaterError(
        'TW_SPEC_INVALID',
        `query failed: ${(e as Error).message}`,
        { subject: 'SQL', fix: 'fix the SQL (DuckDB dialect); tables are <database>.<table>_base, _log and _merged' },
        { cause: e },
      );
    } finally {
      prepared.destroySync();
    }
  });
}

function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}
