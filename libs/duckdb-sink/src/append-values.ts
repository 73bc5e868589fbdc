import type { DuckDBAppender } from '@duckdb/node-api';
import { ValueEncoding, type ColumnVector, type RowSet } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { isNull } from '@tidewater/rowcodec';
import { isZeroDate } from '@tidewater/rowcodec';
import type { DestTable, TableOptions } from '@tidewater/task-plan';

/**
 * Appends row `row` of a column vector. The appender casts to the column type, so exact
 * texts (decimals, timestamps) go in as VARCHAR and DuckDB parses them: no float detour.
 * `nativeTemporal`: the column is DATE/TIMESTAMP, so MySQL zero dates become NULL
 * (docs/type-mapping.md; use temporalMapping: string to keep them verbatim).
 */
export function appendCell(ap: DuckDBAppender, vec: ColumnVector, row: number, nativeTemporal: boolean): void {
  if (isNull(vec, row)) {
    ap.appendNull();
    return;
  }
  switch (vec.encoding) {
    case ValueEncoding.VALUE_ENCODING_INT32:
      ap.appendInteger(vec.ints32[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_INT:
      ap.appendBigInt(vec.ints[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_UINT:
      ap.appendUBigInt(vec.uints[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      ap.appendDouble(vec.doubles[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_BYTES:
      ap.appendBlob(vec.blobs[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_DATE:
    case ValueEncoding.VALUE_ENCODING_DATETIME: {
      const text = vec.strings[row]!;
      if (nativeTemporal && isZeroDate(text)) ap.appendNull();
      else ap.appendVarchar(text);
      return;
    }
    default:
      ap.appendVarchar(vec.strings[row]!);
  }
}

/** Flags per destination column (indexes from `columnOrder`): a DATE/DATETIME written natively. */
export function nativeFlags(order: number[], rs: RowSet, temporal: TableOptions['temporalMapping']): boolean[] {
  return order.map((i) => i >= 0 && temporal === 'native' && isTemporal(rs.columns[i]!.encoding));
}

/** Appends cell (`column`, `row`) of a row set; column -1 (added after the rows were read) as NULL. */
export function appendAt(ap: DuckDBAppender, rs: RowSet, column: number, row: number, nativeTemporal: boolean): void {
  // A column added after these rows were read takes its default, as the rows the ADD COLUMN
  // filled do: another sink partition may have applied it before this one commits older rows.
  if (column < 0) ap.appendDefault();
  else appendCell(ap, rs.columns[column]!, row, nativeTemporal);
}

function isTemporal(e: ValueEncoding): boolean {
  return e === ValueEncoding.VALUE_ENCODING_DATE || e === ValueEncoding.VALUE_ENCODING_DATETIME;
}

/**
 * Index into rs.columns for each destination column, by name; -1 for a column added after
 * the rows were read (written as its default). Rows newer than the sink's schema wait (retriable)
 * until the task state carries the ADD COLUMN.
 */
export function columnOrder(table: DestTable, rs: RowSet): number[] {
  if (rs.schemaVersion > table.version) {
    throw new TidewaterError(
      'TW_DEST_WRITE',
      `rows of ${table.schema}.${table.stem} have schema version ${rs.schemaVersion}, the sink knows ${table.version}; waiting for the schema change`,
    );
  }
  return table.columns.map((col) => {
    const i = rs.columnNames.indexOf(col.name);
    if (i < 0 && rs.schemaVersion === table.version) {
      throw new TidewaterError('TW_INTERNAL', `batch for ${table.schema}.${table.stem} lacks column ${col.name}`);
    }
    return i;
  });
}

/** A failed write as TW_DEST_WRITE naming the table (a TidewaterError passes unchanged). */
export function writeError(e: unknown, table: string): TidewaterError {
  if (e instanceof TidewaterError) return e;
  return new TidewaterError(
    'TW_DEST_WRITE',
    `write to ${table} failed: ${(e as Error).message}`,
    { subject: table },
    { cause: e },
  );
}
