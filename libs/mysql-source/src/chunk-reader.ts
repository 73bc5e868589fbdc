import type { Readable } from 'node:stream';
import type { TableSchema } from '@tidewater/proto';
import type { CanonicalValue } from '@tidewater/rowcodec';
import { AssertionError } from '@tidewater/errors';
import type { SourceDb } from './connection.js';
import { mapDriverError } from './driver-errors.js';
import { scalarParam } from './scalar.js';
import { chunkSelect } from './sql.js';
import type { ChunkBounds, ReadChunkOptions } from './types.js';

/**
 * Streams the rows of one chunk in batches with bounded memory. Invariants:
 * - at most one complete batch waits for the consumer: while it has not been pulled the
 *   result stream is paused, which pauses the socket (mysql2) and so the server (TCP
 *   backpressure). Memory is about two batches plus the stream's small object buffer;
 * - rows are in canonical form (value-cast.ts), columns in schema order;
 * - a connection whose result was not read to the end (consumer stopped, abort, error) is
 *   destroyed, never returned to the pool with a half-read result on it.
 */
export async function* readChunk(
  db: SourceDb,
  schema: TableSchema,
  bounds: Pick<ChunkBounds, 'lower' | 'upper'>,
  opts: ReadChunkOptions,
): AsyncGenerator<CanonicalValue[][], void, undefined> {
  const ref = schema.source;
  if (!ref) throw new AssertionError('readChunk: schema without source table');
  const rowsPerBatch = Math.max(1, Math.floor(opts.rowsPerBatch));
  const subject = `${ref.database}.${ref.table}`;
  const { signal } = opts;
  signal?.throwIfAborted();

  // filterSql is spliced into the WHERE clause as given (parenthesized and ANDed): the caller
  // validated it against the task spec's filter rules. Bounds are `?` placeholders.
  const q = chunkSelect(
    ref,
    schema.columns,
    schema.keyColumns,
    bounds.lower.map(scalarParam),
    bounds.upper.map(scalarParam),
    opts.filterSql,
  );
  const errorContext = db.errorContext({ subject, filterSql: opts.filterSql });

  const conn = await db.acquire(subject);
  if (signal?.aborted) {
    conn.release(); // nothing was sent on it yet
    signal.throwIfAborted();
  }
  let finished = false;
  let stream: Readable | undefined;
  const ready: CanonicalValue[][][] = [];
  let current: CanonicalValue[][] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onAbort = () => stream?.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  try {
    stream = conn
      .query({ sql: q.sql, values: q.params as unknown[], rowsAsArray: true })
      .stream({ highWaterMark: Math.min(rowsPerBatch, 1024) });
    const s = stream;
    signal?.addEventListener('abort', onAbort, { once: true });
    s.on('data', (row: CanonicalValue[]) => {
      current.push(row);
      if (current.length >= rowsPerBatch) {
        ready.push(current);
        current = [];
        // Backpressure: a full batch waits for the consumer, so stop reading until it is taken.
        s.pause();
        notify();
      }
    });
    s.on('end', () => {
      // mysql2 also emits 'end' after a destroy (stream 'close' without a real end): that is a
      // failure, never the end of the chunk, or a partial chunk would look complete.
      if (!s.readableEnded) {
        failure ??= new Error('the result stream closed before the end of the chunk');
        notify();
        return;
      }
      if (current.length > 0) ready.push(current);
      current = [];
      ended = true;
      notify();
    });
    s.on('error', (e: unknown) => {
      failure ??= e;
      notify();
    });

    for (;;) {
      if (failure !== undefined) {
        if (signal?.aborted) throw signal.reason;
        throw mapDriverError(failure, errorContext, `reading a chunk of ${subject}`);
      }
      const batch = ready.shift();
      if (batch) {
        // Read the next batch while the consumer works on this one.
        if (!ended) s.resume();
        yield batch;
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (finished) {
      conn.release();
    } else {
      stream?.destroy();
      conn.destroy();
    }
  }
}
