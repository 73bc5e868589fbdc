import { ValueEncoding, type ColumnDef, type ColumnVector, type RowSet } from '@tidewater/proto';
import { TidewaterError, assert } from '@tidewater/errors';
import { isNull } from '@tidewater/rowcodec';
import type { DestTable, TableOptions } from '@tidewater/task-plan';
import { isZeroDate } from '@tidewater/rowcodec';

/**
 * One destination column of a row set as COPY text fields, indexed by row (`\N` = NULL). A
 * number or bigint is its decimal text as JS prints it (`'' + v`); COPY takes it as written.
 */
export type FieldColumn = ArrayLike<string | number | bigint>;

const NULL_FIELD = '\\N';

/**
 * Whether `s` holds a character COPY text treats specially, or NUL, which PostgreSQL text
 * cannot hold. Five native scans cost less than a regular expression on short texts.
 */
function special(s: string): boolean {
  return (
    s.indexOf('\\') >= 0 || s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\0') >= 0
  );
}

/** COPY text format: backslash, newline, carriage return and tab are escaped; nothing else is special. */
export function escapeText(s: string): string {
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]!) : s;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The fields of one destination column over a row set's vector (rowcodec's canonical values,
 * libs/rowcodec/src/encoding.ts). Exact texts (decimals, datetimes) go in as text and
 * PostgreSQL parses them: no float detour. In native temporal mode a MySQL zero date becomes
 * NULL (docs/type-mapping.md). `where` names the table and column in errors.
 * The common case costs no copy: a vector without NULLs of numbers, or of texts none of which
 * needs escaping, is its own field column (the full copy moves millions of such cells).
 */
export function fieldColumn(
  col: ColumnDef,
  vec: ColumnVector,
  rowCount: number,
  temporal: TableOptions['temporalMapping'],
  where: string,
): FieldColumn {
  const isBit = col.dataType.toLowerCase() === 'bit';
  const bits = Number(col.length) || col.precision || 1;
  const texts = (): readonly string[] => {
    const strings = vec.strings;
    let any = false;
    for (let r = 0; r < rowCount && !any; r++) any = special(strings[r]!);
    if (!any) return strings;
    return strings.map((s, r) => {
      if (s.includes('\0') && !isNull(vec, r)) throw nulInText(where);
      return escapeText(s);
    });
  };
  const values = ((): FieldColumn => {
    switch (vec.encoding) {
      case ValueEncoding.VALUE_ENCODING_INT32:
        return vec.ints32;
      case ValueEncoding.VALUE_ENCODING_INT:
        return vec.ints;
      case ValueEncoding.VALUE_ENCODING_UINT:
        // BIT(n) travels as its unsigned value; the column is bit varying holding n bits.
        return isBit ? vec.uints.map((u) => u.toString(2).padStart(bits, '0')) : vec.uints;
      case ValueEncoding.VALUE_ENCODING_DOUBLE:
        // Shortest round-trip text; PostgreSQL reads Infinity/NaN as written by JS.
        return vec.doubles;
      case ValueEncoding.VALUE_ENCODING_BYTES:
        return vec.blobs.map((b) => `\\\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`);
      case ValueEncoding.VALUE_ENCODING_DATE:
      case ValueEncoding.VALUE_ENCODING_DATETIME:
        return temporal === 'native' ? texts().map((s) => (isZeroDate(s) ? NULL_FIELD : s)) : texts();
      default:
        return texts();
    }
  })();
  if (!hasNull(vec)) return values;
  const out = new Array<string | number | bigint>(rowCount);
  for (let r = 0; r < rowCount; r++) out[r] = isNull(vec, r) ? NULL_FIELD : values[r]!;
  return out;
}

function hasNull(vec: ColumnVector): boolean {
  for (const byte of vec.nulls) if (byte !== 0) return true;
  return false;
}

/**
 * COPY text of rows `0 … rowCount - 1` over `fields` (one field column each), as one Buffer:
 * one string built by concatenation and encoded once, rather than a string per row.
 */
export function copyRows(fields: readonly FieldColumn[], rowCount: number): Buffer {
  let text = '';
  const last = fields.length - 1;
  for (let r = 0; r < rowCount; r++) {
    for (let c = 0; c < last; c++) text += fields[c]![r] + '\t';
    text += last >= 0 ? fields[last]![r] + '\n' : '\n';
  }
  return Buffer.from(text);
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

/** Field columns for `names` (destination columns of `table`, all carried by `rs`: see carriedColumns). */
export function rowFields(
  table: DestTable,
  names: readonly string[],
  rs: RowSet,
  temporal: TableOptions['temporalMapping'],
): FieldColumn[] {
  return names.map((name) => {
    const col = table.columns.find((c) => c.name === name)!;
    const i = rs.columnNames.indexOf(name);
    assert(i >= 0, `COPY into ${table.schema}.${table.stem} lists ${name}, which its rows lack`);
    return fieldColumn(col, rs.columns[i]!, rs.rowCount, temporal, `${table.schema}.${table.stem}.${name}`);
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
