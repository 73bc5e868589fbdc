import type { ExprColumn } from './ast.js';
import { BYTES, collationOf, Dec, Temporal, toDouble, toStr, type Collation, type V } from './values.js';

// Reading a row's column values into typed values (values.ts), by the column's MySQL type.

/** A row value as the bus carries it (libs/rowcodec canonical form). */
export type RowValue = null | bigint | number | string | Uint8Array;
/** Reads the value of `expr.columns[i]` for the current row. */
export type RowGetter = (i: number) => RowValue;

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year', 'bit']);
const BINARY_TYPES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/** Row value → typed value, by the column's type (an INT32 column arrives as a JS number). */
export function columnReader(col: ExprColumn): (v: RowValue) => V {
  const t = col.dataType.toLowerCase();
  if (INT_TYPES.has(t))
    return (v) =>
      v === null ? null : typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : BigInt(toStr(v));
  if (t === 'decimal' || t === 'numeric') return (v) => (v === null ? null : (Dec.parse(toStr(v)) ?? null));
  if (t === 'float' || t === 'double' || t === 'real') return (v) => (v === null ? null : toDouble(v));
  if (t === 'date' || t === 'datetime' || t === 'timestamp') {
    const kind = t === 'date' ? 'date' : 'datetime';
    return (v) => (v === null ? null : (Temporal.parse(toStr(v), kind) ?? toStr(v)));
  }
  // TIME(n) values may carry a zero fraction; without it they compare with 'hh:mm:ss' literals as text.
  if (t === 'time') return (v) => (v === null ? null : toStr(v).replace(/\.0+$/, ''));
  if (BINARY_TYPES.has(t))
    return (v) => (v === null || v instanceof Uint8Array ? v : new TextEncoder().encode(toStr(v)));
  return (v) => (v === null ? null : toStr(v));
}

/** The collation a column's values compare by: binary types compare bytes. */
export function columnCollation(col: ExprColumn): Collation | undefined {
  if (BINARY_TYPES.has(col.dataType.toLowerCase())) return BYTES;
  return col.collation ? collationOf(col.collation) : undefined;
}
