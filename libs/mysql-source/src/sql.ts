import type { ColumnDef, TableRef } from '@tidewater/proto';

/**
 * SQL text building for the source. Invariants:
 * - every identifier goes through `quoteId` (backticks, inner backticks doubled), so table and
 *   column names may be reserved words (`order`, `select`) or contain any character;
 * - every value goes through a `?` placeholder, never into the SQL text;
 * - key-range predicates are spelled out as OR-chains plus a leading range on the first key
 *   column. MariaDB (checked on 10.11) does not use an index range for a row constructor
 *   comparison such as `(a,b) > (?,?)`: it scans the whole index. The expanded form gives the
 *   same rows, in the server's own collation, and is range-scanned on MySQL and MariaDB alike.
 */

export function quoteId(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

export function qualifiedName(ref: TableRef): string {
  return `${quoteId(ref.database)}.${quoteId(ref.table)}`;
}

export function columnList(names: readonly string[]): string {
  return names.map(quoteId).join(', ');
}

/** A SQL fragment and the values of its placeholders, in order. */
export interface SqlPart {
  readonly sql: string;
  readonly params: unknown[];
}

function checkArity(keys: readonly string[], values: readonly unknown[], what: string): void {
  if (values.length !== keys.length) {
    throw new RangeError(`${what} has ${values.length} values for ${keys.length} key columns`);
  }
}

/**
 * `(k1,…,kn) > (v1,…,vn)` in lexicographic key order (the lower bound of a chunk is exclusive).
 * An empty `values` means "no lower bound" and yields an empty fragment.
 */
export function keyGreaterThan(keys: readonly string[], values: readonly unknown[]): SqlPart | undefined {
  if (values.length === 0) return undefined;
  checkArity(keys, values, 'lower bound');
  return lexicographic(keys, values, '>', '>');
}

/**
 * `(k1,…,kn) <= (v1,…,vn)` in lexicographic key order (the upper bound is inclusive).
 * An empty `values` means "no upper bound".
 */
export function keyAtMost(keys: readonly string[], values: readonly unknown[]): SqlPart | undefined {
  if (values.length === 0) return undefined;
  checkArity(keys, values, 'upper bound');
  return lexicographic(keys, values, '<', '<=');
}

/**
 * Lexicographic comparison: OR over i of (k1 = v1 AND … AND k(i-1) = v(i-1) AND ki OP vi),
 * where OP is `strict` for every column but the last, which uses `last`. A redundant leading
 * `k1 >= v1` (or `<=`) lets the optimizer pick an index range on the first key column.
 */
function lexicographic(
  keys: readonly string[],
  values: readonly unknown[],
  strict: '<' | '>',
  last: '<' | '>' | '<=' | '>=',
): SqlPart {
  const ids = keys.map(quoteId);
  if (ids.length === 1) return { sql: `${ids[0]} ${last} ?`, params: [values[0]] };
  const terms: string[] = [];
  const params: unknown[] = [values[0]];
  for (let i = 0; i < ids.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${ids[j]} = ?`);
      params.push(values[j]);
    }
    parts.push(`${ids[i]} ${i === ids.length - 1 ? last : strict} ?`);
    params.push(values[i]);
    terms.push(parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
  }
  return { sql: `${ids[0]} ${strict}= ? AND (${terms.join(' OR ')})`, params };
}

function whereClause(parts: readonly (SqlPart | string | undefined)[]): SqlPart {
  const conds: string[] = [];
  const params: unknown[] = [];
  for (const p of parts) {
    if (p === undefined) continue;
    if (typeof p === 'string') {
      conds.push(`(${p})`);
    } else {
      conds.push(`(${p.sql})`);
      params.push(...p.params);
    }
  }
  return { sql: conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`, params };
}

/**
 * How a column is selected for a chunk read. FLOAT is widened to DOUBLE in the server
 * (`+ 0e0` works on every MySQL and MariaDB version, unlike CAST … AS DOUBLE): the text
 * protocol prints a FLOAT with only 6 significant digits, losing the stored value.
 */
export function selectExpression(column: ColumnDef): string {
  const id = quoteId(column.name);
  return column.dataType.toLowerCase() === 'float' ? `(${id} + 0e0)` : id;
}

/**
 * The chunk read: every column in schema order, rows with lower < key <= upper, plus the
 * caller's row filter. No ORDER BY: the copy does not need an order and sorting would only
 * cost server memory (the range scan returns key order anyway).
 */
export function chunkSelect(
  table: TableRef,
  columns: readonly ColumnDef[],
  keys: readonly string[],
  lower: readonly unknown[],
  upper: readonly unknown[],
  filterSql?: string,
): SqlPart {
  const where = whereClause([
    keyGreaterThan(keys, lower),
    keyAtMost(keys, upper),
    filterSql?.trim() ? filterSql : undefined,
  ]);
  return {
    sql: `SELECT ${columns.map(selectExpression).join(', ')} FROM ${qualifiedName(table)}${where.sql}`,
    params: where.params,
  };
}

/**
 * The key of the `n`-th row after `lower` (exclusive) in key order, or no row when fewer
 * remain: the inclusive upper bound of a chunk of `n` rows.
 */
export function nthKeyAfter(table: TableRef, keys: readonly string[], lower: readonly unknown[], n: number): SqlPart {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`chunk size must be a positive integer, got ${n}`);
  const where = whereClause([keyGreaterThan(keys, lower)]);
  const cols = columnList(keys);
  return {
    sql: `SELECT ${cols} FROM ${qualifiedName(table)}${where.sql} ORDER BY ${cols} LIMIT 1 OFFSET ${n - 1}`,
    params: where.params,
  };
}

/** How many rows follow `lower`, counting at most `cap` (bounded work for the last chunk). */
export function countAfter(table: TableRef, keys: readonly string[], lower: readonly unknown[], cap: number): SqlPart {
  if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`count cap must be a positive integer, got ${cap}`);
  const where = whereClause([keyGreaterThan(keys, lower)]);
  return {
    sql: `SELECT COUNT(*) FROM (SELECT 1 FROM ${qualifiedName(table)}${where.sql} LIMIT ${cap}) AS capped`,
    params: where.params,
  };
}

/** MIN and MAX of a single key column (both read from the index ends). */
export function keyMinMax(table: TableRef, key: string): string {
  const k = quoteId(key);
  return `SELECT MIN(${k}), MAX(${k}) FROM ${qualifiedName(table)}`;
}
