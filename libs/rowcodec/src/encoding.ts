import { ValueEncoding, type ColumnDef } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';

/**
 * How values of a MySQL column travel on the bus. Every source adapter (snapshot reader,
 * binlog reader) must hand rowcodec values in the canonical JS form of the encoding:
 *
 * | encoding  | canonical JS value                                   |
 * |-----------|------------------------------------------------------|
 * | INT32     | number (a bigint is accepted)                        |
 * | INT       | bigint (a safe-integer number is accepted)           |
 * | UINT      | bigint (>= 0; a safe-integer number is accepted); BIT(n) as its unsigned value |
 * | DOUBLE    | number                                               |
 * | DECIMAL   | string, exact digits as MySQL prints them            |
 * | TEXT      | string (decoded from the column charset)             |
 * | BYTES     | Uint8Array                                           |
 * | DATE      | string 'YYYY-MM-DD' (zero dates as written)           |
 * | DATETIME  | string 'YYYY-MM-DD HH:MM:SS[.ffffff]', TIMESTAMP in UTC |
 * | TIME      | string '[-]HH:MM:SS[.ffffff]'                         |
 * | JSON      | string (JSON text)                                   |
 *
 * NULL is `null` for every encoding.
 */
export type CanonicalValue = null | bigint | number | string | Uint8Array;

const BY_DATA_TYPE: Record<string, ValueEncoding> = {
  tinyint: ValueEncoding.VALUE_ENCODING_INT32,
  smallint: ValueEncoding.VALUE_ENCODING_INT32,
  mediumint: ValueEncoding.VALUE_ENCODING_INT32,
  int: ValueEncoding.VALUE_ENCODING_INT32,
  integer: ValueEncoding.VALUE_ENCODING_INT32,
  bigint: ValueEncoding.VALUE_ENCODING_INT,
  year: ValueEncoding.VALUE_ENCODING_INT32,
  bit: ValueEncoding.VALUE_ENCODING_UINT,
  float: ValueEncoding.VALUE_ENCODING_DOUBLE,
  double: ValueEncoding.VALUE_ENCODING_DOUBLE,
  real: ValueEncoding.VALUE_ENCODING_DOUBLE,
  decimal: ValueEncoding.VALUE_ENCODING_DECIMAL,
  numeric: ValueEncoding.VALUE_ENCODING_DECIMAL,
  char: ValueEncoding.VALUE_ENCODING_TEXT,
  varchar: ValueEncoding.VALUE_ENCODING_TEXT,
  tinytext: ValueEncoding.VALUE_ENCODING_TEXT,
  text: ValueEncoding.VALUE_ENCODING_TEXT,
  mediumtext: ValueEncoding.VALUE_ENCODING_TEXT,
  longtext: ValueEncoding.VALUE_ENCODING_TEXT,
  enum: ValueEncoding.VALUE_ENCODING_TEXT,
  set: ValueEncoding.VALUE_ENCODING_TEXT,
  binary: ValueEncoding.VALUE_ENCODING_BYTES,
  varbinary: ValueEncoding.VALUE_ENCODING_BYTES,
  tinyblob: ValueEncoding.VALUE_ENCODING_BYTES,
  blob: ValueEncoding.VALUE_ENCODING_BYTES,
  mediumblob: ValueEncoding.VALUE_ENCODING_BYTES,
  longblob: ValueEncoding.VALUE_ENCODING_BYTES,
  geometry: ValueEncoding.VALUE_ENCODING_BYTES,
  point: ValueEncoding.VALUE_ENCODING_BYTES,
  linestring: ValueEncoding.VALUE_ENCODING_BYTES,
  polygon: ValueEncoding.VALUE_ENCODING_BYTES,
  multipoint: ValueEncoding.VALUE_ENCODING_BYTES,
  multilinestring: ValueEncoding.VALUE_ENCODING_BYTES,
  multipolygon: ValueEncoding.VALUE_ENCODING_BYTES,
  geometrycollection: ValueEncoding.VALUE_ENCODING_BYTES,
  geomcollection: ValueEncoding.VALUE_ENCODING_BYTES,
  date: ValueEncoding.VALUE_ENCODING_DATE,
  datetime: ValueEncoding.VALUE_ENCODING_DATETIME,
  timestamp: ValueEncoding.VALUE_ENCODING_DATETIME,
  time: ValueEncoding.VALUE_ENCODING_TIME,
  json: ValueEncoding.VALUE_ENCODING_JSON,
};

export function encodingOf(column: ColumnDef, table = ''): ValueEncoding {
  const dataType = column.dataType.toLowerCase();
  const enc = BY_DATA_TYPE[dataType];
  if (enc === undefined) {
    throw new TidewaterError(
      'TW_UNSUPPORTED_TYPE',
      `column ${table}${table ? '.' : ''}${column.name} has type ${column.columnType || dataType}, which Tidewater cannot map without loss`,
      { subject: `${table}.${column.name}` },
    );
  }
  if (column.unsigned && (dataType === 'int' || dataType === 'integer' || dataType === 'bigint'))
    return ValueEncoding.VALUE_ENCODING_UINT;
  // MariaDB stores JSON as LONGTEXT with a json_valid check; information_schema says longtext.
  return enc;
}

/**
 * True for a MySQL zero or partial-zero date in canonical DATE/DATETIME text ('0000-00-00',
 * '2024-00-10'), which no destination date type can hold: `temporalMapping` decides (docs/type-mapping.md).
 */
export function isZeroDate(text: string): boolean {
  return text.startsWith('0000') || text.slice(5, 7) === '00' || text.slice(8, 10) === '00';
}
