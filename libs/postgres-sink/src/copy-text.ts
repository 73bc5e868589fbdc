import { ValueEncoding, type ColumnDef, type ColumnVector, type RowSet } from '@tidewater/proto';
import { TidewaterError, assert } from '@tidewater/errors';
import { isNull } from '@tidewater/rowcodec';
import type { DestTable, TableOptions } from '@tidewater/task-plan';
import { isZeroDate } from '@tidewater/rowcodec';

/** One cell of a row as a field of COPY's text format (`\N` = NULL). */
export type CellEncoder = (row: number) => string;

const NULL_FIELD = '\\N';

/** COPY text format: backslash, newline, carriage return and tab are escaped; nothing else is special. */
export function escapeText(s: string): string {
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]!) : s;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The encoder of one destination column over a row set's vector (rowcodec's canonical values,
 * libs/rowcodec/src/encoding.ts). Exact texts (decimals, datetimes) go in as text and
 * PostgreSQL parses them: no float detour. In native temporal mode a MySQL zero date becomes
 * NULL (docs/type-mapping.md). `where` names the table and column in errors.
 */
export function cellEncoder(
  col: ColumnDef,
  vec: ColumnVector,
  temporal: TableOptions['temporalMapping'],
  where: string,
): CellEncoder {
  const isBit = col.dataType.toLowerCase() === 'bit';
  const bits = Number(col.length) || col.precision || 1;
  const text = (row: number) => {
    const s = vec.strings[row]!;
    if (s.includes('\0')) throw nulInText(where);
    return escapeText(s);
  };
  const value = ((): CellEncoder => {
    switch (vec.encoding) {
      case ValueEncoding.VALUE_ENCODING_INT32:
        return (r) => String(vec.ints32[r]!);
      case ValueEncoding.VALUE_ENCODING_INT:
        return (r) => String(vec.ints[r]!);
      case ValueEncoding.VALUE_ENCODING_UINT:
        // BIT(n) travels as its unsigned value; the column is bit varying holding n bits.
        return isBit ? (r) => vec.uints[r]!.toString(2).padStart(bits, '0') : (r) => String(vec.uints[r]!);
      case ValueEncoding.VALUE_ENCODING_DOUBLE:
        // Shortest round-trip text; PostgreSQL reads Infinity/NaN as written by JS.
        return (r) => String(vec.doubles[r]!);
      case ValueEncoding.VALUE_ENCODING_BYTES:
        return (r) => {
          const b = vec.blobs[r]!;
          return `\\\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;
        };
      case ValueEncoding.VALUE_ENCODING_DATE:
      case ValueEncoding.VALUE_ENCODING_DATETIME:
        return temporal === 'native' ? (r) => (isZeroDate(vec.strings[r]!) ? NULL_FIELD : text(r)) : text;
      default:
        return text;
    }
  })();
  return (row) => (isNull(vec, row) ? NULL_FIELD : value(row));
}

/**
 * Of `names` (destination columns of `table`), those the row set carries, in order. A column
 * added after the rows were read is left out of the COPY so that PostgreSQL fills it with the
 * column's default, as the ADD COLUMN filled the rows already there: another sink partition may
 * have applied it before this one commits older rows (writing NULL would differ from the source).
 */
export function carriedColumns(table: DestTable, names: readonly string[], rs: RowSet): string[] {
  checkSchemaVersion(table, rs);
  return names.filter((name) => {
    if (rs.columnNames.includes(name)) return true;
    if (rs.schemaVersion === table.version)
      throw new TidewaterError('TW_INTERNAL', `batch for ${table.schema}.${table.stem} lacks column ${name}`);
    return false;
  });
}

/** Encoders for `names` (destination columns of `table`, all carried by `rs`: see carriedColumns). */
export function rowEncoders(
  table: DestTable,
  names: readonly string[],
  rs: RowSet,
  temporal: TableOptions['temporalMapping'],
): CellEncoder[] {
  return names.map((name) => {
    const col = table.columns.find((c) => c.name === name)!;
    const i = rs.columnNames.indexOf(name);
    assert(i >= 0, `COPY into ${table.schema}.${table.stem} lists ${name}, which its rows lack`);
    return cellEncoder(col, rs.columns[i]!, temporal, `${table.schema}.${table.stem}.${name}`);
  });
}

/** Rows newer than the sink's schema wait (retriable) until the task state carries the ADD COLUMN. */
function checkSchemaVersion(table: DestTable, rs: RowSet): void {
  if (rs.schemaVersion > table.version) {
    throw new TidewaterError(
      'TW_DEST_WRITE',
      `rows of ${table.schema}.${table.stem} have schema version ${rs.schemaVersion}, the sink knows ${table.version}; waiting for the schema change`,
    );
  }
}

function nulInText(where: string): TidewaterError {
  return new TidewaterError(
    'TW_UNSUPPORTED_TYPE',
    `column ${where} holds a text value with a NUL character (0x00), which PostgreSQL text cannot store`,
    {
      subject: where,
      fix: 'drop or transform the column with ETL, make it a binary column on the source, or use a DuckDB destination',
    },
  );
}

/** Lines of COPY text (one row each) in pieces of about 1 MB, so a large row set streams. */
export function* copyLines(rows: Iterable<string>): Generator<string> {
  let piece = '';
  for (const line of rows) {
    piece += line;
    if (piece.length >= 1 << 20) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}
