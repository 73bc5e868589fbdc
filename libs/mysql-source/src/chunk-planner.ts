import { ValueEncoding, type ColumnDef, type TableRef, type TableSchema } from '@tidewater/proto';
import { encodingOf, type CanonicalValue } from '@tidewater/rowcodec';
import { AssertionError, TidewaterError } from '@tidewater/errors';
import { countAfter, keyMinMax, nthKeyAfter, qualifiedName } from './sql.js';
import { scalarParam, toScalar } from './scalar.js';
import type { Rows } from './schema-reader.js';
import type { ChunkBounds } from './types.js';

/**
 * Splits a table into key ranges of about `targetRows` rows. Invariants of every plan:
 * - ranges are (lower, upper] on the row key in the server's own ordering (its collations),
 *   consecutive, the first with an open lower end and the last with an open upper end, so they
 *   cover the whole key space without gaps or overlaps, including rows inserted during the copy
 *   beyond the current MIN/MAX;
 * - an empty table is one open chunk.
 * Correctness never depends on a bound being an existing key: `k > v` and `k <= v` are
 * complementary for every non-NULL key, so any increasing sequence of bounds partitions the
 * table. Only the chunk sizes depend on the statistics.
 */

/** Above this many rows (per statistics), `estimateRows` trusts TABLE_ROWS without counting. */
const EXACT_COUNT_CAP = 100_000;

/**
 * Row count estimate: information_schema.TABLES.TABLE_ROWS (InnoDB statistics, can be stale or
 * 0 right after a bulk load), corrected by a capped COUNT(*) when the statistics say "small",
 * so small tables (the common case for stale statistics after a fresh load) get exact counts
 * at a bounded cost.
 */
export async function estimateRows(rows: Rows, table: TableRef): Promise<bigint> {
  const subject = `${table.database}.${table.table}`;
  const found = (
    await rows(
      'SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [table.database, table.table],
      'estimating rows',
      subject,
    )
  ).find((r) => r[0] === table.database && r[1] === table.table);
  if (!found) {
    throw new TidewaterError('TW_OBJECT_NOT_FOUND', `table ${subject} does not exist on the source`, { subject });
  }
  const stats = toBigInt(found[2] ?? null);
  if (stats >= BigInt(EXACT_COUNT_CAP)) return stats;
  const counted = await rows(
    `SELECT COUNT(*) FROM (SELECT 1 FROM ${qualifiedName(table)} LIMIT ${EXACT_COUNT_CAP + 1}) AS capped`,
    [],
    'counting rows',
    subject,
  );
  const n = toBigInt(counted[0]?.[0] ?? null);
  return n > BigInt(EXACT_COUNT_CAP) ? (stats > n ? stats : n) : n;
}

export async function planChunks(rows: Rows, schema: TableSchema, targetRows: number): Promise<ChunkBounds[]> {
  if (!Number.isSafeInteger(targetRows) || targetRows < 1)
    throw new RangeError(`targetRows must be a positive integer, got ${targetRows}`);
  const ref = schema.source;
  if (!ref) throw new AssertionError('planChunks: schema without source table');
  const keyDefs = keyColumnDefs(schema);
  const subject = `${ref.database}.${ref.table}`;

  const [only] = keyDefs;
  if (keyDefs.length === 1 && only && isIntegerKey(only, subject)) {
    const [minMax] = await rows(keyMinMax(ref, only.name), [], 'planning chunks', subject);
    // MIN/MAX of an up-to-32-bit key arrive as numbers, of a BIGINT key as bigints.
    const rawMin = minMax?.[0];
    const rawMax = minMax?.[1];
    if (rawMin === null || rawMin === undefined || rawMax === null || rawMax === undefined)
      return [{ lower: [], upper: [], estimatedRows: 0n }];
    const [min, max] = [toBigInt(rawMin), toBigInt(rawMax)];
    const est = await estimateRows(rows, ref);
    const split = splitIntegerRange(min, max, est, targetRows);
    if (split) {
      return split.map((c) => ({
        lower: c.lower === undefined ? [] : [toScalar(c.lower, only, subject)],
        upper: c.upper === undefined ? [] : [toScalar(c.upper, only, subject)],
        estimatedRows: c.estimatedRows,
      }));
    }
  }
  return walkKeys(rows, ref, keyDefs, targetRows, subject);
}

function keyColumnDefs(schema: TableSchema): ColumnDef[] {
  if (schema.keyColumns.length === 0)
    throw new AssertionError(`planChunks: ${schema.source?.table} has no key columns`);
  return schema.keyColumns.map((k) => {
    const c = schema.columns.find((col) => col.name === k);
    if (!c) throw new AssertionError(`planChunks: key column ${k} is not a column of ${schema.source?.table}`);
    return c;
  });
}

function isIntegerKey(c: ColumnDef, table: string): boolean {
  const enc = encodingOf(c, table);
  return (
    enc === ValueEncoding.VALUE_ENCODING_INT ||
    enc === ValueEncoding.VALUE_ENCODING_UINT ||
    enc === ValueEncoding.VALUE_ENCODING_INT32
  );
}

export interface IntegerChunk {
  /** Exclusive; undefined = open. */
  readonly lower: bigint | undefined;
  /** Inclusive; undefined = open. */
  readonly upper: bigint | undefined;
  readonly estimatedRows: bigint;
}

/**
 * Arithmetic split of a unique integer key in [min, max] holding about `est` rows, or undefined
 * when the key is too sparse (fewer than one row per two values) for arithmetic to give even
 * chunks. Each chunk spans `step` values with targetRows <= step <= 2 * targetRows, and a
 * unique integer key holds at most one row per value, so no chunk exceeds 2 * targetRows rows
 * however stale `est` is.
 */
export function splitIntegerRange(
  min: bigint,
  max: bigint,
  est: bigint,
  targetRows: number,
): IntegerChunk[] | undefined {
  if (max < min) throw new RangeError(`max ${max} < min ${min}`);
  const target = BigInt(targetRows);
  const span = max - min + 1n;
  if (span <= target) return [{ lower: undefined, upper: undefined, estimatedRows: est < span ? est : span }];
  if (est * 2n < span) return undefined;
  let step = (target * span) / (est > 0n ? est : 1n);
  if (step < target) step = target;
  if (step > 2n * target) step = 2n * target;
  const rowsIn = (width: bigint) => {
    const r = (width * est) / span;
    return r > width ? width : r;
  };
  const chunks: IntegerChunk[] = [];
  let lower: bigint | undefined;
  let from = min; // first key value the current chunk can hold within [min, max]
  for (let b = min - 1n + step; b < max; b += step) {
    chunks.push({ lower, upper: b, estimatedRows: rowsIn(b - from + 1n) });
    lower = b;
    from = b + 1n;
  }
  chunks.push({ lower, upper: undefined, estimatedRows: rowsIn(max - from + 1n) });
  return chunks;
}

/**
 * Keyset walk over the key index: the upper bound of each chunk is the key of the
 * targetRows-th row after the previous bound (`ORDER BY keys LIMIT 1 OFFSET n-1`), so chunks
 * hold exactly targetRows rows at planning time, in the server's collation order. Costs one
 * pass over the key index.
 */
async function walkKeys(
  rows: Rows,
  ref: TableRef,
  keyDefs: readonly ColumnDef[],
  targetRows: number,
  subject: string,
): Promise<ChunkBounds[]> {
  const keys = keyDefs.map((c) => c.name);
  const chunks: ChunkBounds[] = [];
  let lower: ChunkBounds['lower'] = [];
  for (;;) {
    const params = lower.map(scalarParam);
    const q = nthKeyAfter(ref, keys, params, targetRows);
    const [row] = await rows(q.sql, q.params, 'planning chunks', subject);
    if (!row) {
      const c = countAfter(ref, keys, params, targetRows);
      const counted = await rows(c.sql, c.params, 'planning chunks', subject);
      chunks.push({ lower, upper: [], estimatedRows: toBigInt(counted[0]?.[0] ?? null) });
      return chunks;
    }
    const upper = keyDefs.map((col, i) => toScalar(row[i] ?? null, col, subject));
    chunks.push({ lower, upper, estimatedRows: BigInt(targetRows) });
    lower = upper;
  }
}

function toBigInt(v: CanonicalValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return 0n;
}
