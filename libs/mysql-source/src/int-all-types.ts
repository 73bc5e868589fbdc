import type { CanonicalValue } from '@tidewater/rowcodec';
import type { ColumnDef } from '@tidewater/proto';

// The `all_types` table of mysql-source.int.test.ts: its DDL, its rows, and what the source
// reads of them (column schemas and canonical values).

/** A table with a column of every MySQL type the source reads. */
export const allTypesDdl = (db: string) => `CREATE TABLE ${db}.all_types (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  d65 DECIMAL(65,30), d10 DECIMAL(10,2), f FLOAT, dbl DOUBLE,
  b1 BIT(1), b64 BIT(64),
  dt DATE, dtm DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR,
  c CHAR(10), vc VARCHAR(100), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1,
  bn BINARY(4), vb VARBINARY(20), bl BLOB,
  en ENUM('a','b','c'), st SET('x','y','z'), js JSON, pt POINT, geo GEOMETRY
) CHARACTER SET utf8mb4`;

/** What readSchemas reports for columns of `all_types` (matched as parts of each ColumnDef). */
export const TYPE_COLUMNS: Record<string, Partial<ColumnDef>> = {
  id: { dataType: 'int', nullable: false, unsigned: false },
  biu: { dataType: 'bigint', columnType: 'bigint(20) unsigned', unsigned: true, nullable: true },
  d65: { dataType: 'decimal', precision: 65, scale: 30 },
  dtm: { dataType: 'datetime', fsp: 6 },
  ts: { dataType: 'timestamp', fsp: 6 },
  b64: { dataType: 'bit', length: 64n },
  c: { dataType: 'char', charset: 'utf8mb4', length: 10n },
  l1: { dataType: 'varchar', charset: 'latin1', length: 20n },
  bn: { dataType: 'binary', length: 4n },
  en: { dataType: 'enum', columnType: "enum('a','b','c')" },
  // MariaDB: JSON is LONGTEXT + CHECK json_valid(js); reported as json.
  js: { dataType: 'json' },
  tx: { dataType: 'text' },
  pt: { dataType: 'point' },
};

/** Rows of `all_types`: extremes, empty values, NULLs, zero dates. */
export const TYPE_ROWS = [
  `(1, -128, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
    '-99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99, 16777217, -1.7976931348623157e308,
    b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
    '1000-01-01', '9999-12-31 23:59:59.999999', '2024-02-29 12:00:00', '2038-01-19 08:14:07.999999', '-838:59:59.000000', 1901,
    'fixed', '😀 emoji ✓', REPEAT('long text ', 500), 'café é', X'00010203', X'FF00', X'DEADBEEF00',
    'c', 'x,z', '{"a": [1, 2.5, "ü"], "b": null}', ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('LINESTRING(0 0,1 1)'))`,
  `(2, 127, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0,
    '99999999999999999999999999999999999.999999999999999999999999999999', 0.01, 3.1415927, 2.2250738585072014e-308,
    b'0', b'0', '2024-02-29', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:00', '1970-01-01 05:00:01.000000', '838:59:59.999999', 2155,
    '', '', '', '', X'41', X'', X'', 'a', '', '[]', ST_GeomFromText('POINT(-1.5 1e10)'), NULL)`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(4, 0, 1, 0, 1, 0, 1, 0, 1, '0.000000000000000000000000000001', 1.5, -3.40282e38, 0, b'1', b'101',
    '0000-00-00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', NULL, '00:00:00', 0,
    'x', 'x', 'x', 'x', X'41', X'41', X'41', 'b', 'y', '{}', NULL, NULL)`,
];

const hex = (h: string) => ({ hex: h.toLowerCase() });
/** Bytes compared as hex, after checking they are bytes (not mysql2's parsed geometry). */
export function comparable(row: readonly CanonicalValue[]): unknown[] {
  return row.map((v) => {
    if (v instanceof Uint8Array) return { hex: Buffer.from(v).toString('hex') };
    if (v !== null && typeof v === 'object') throw new Error(`non-canonical value ${JSON.stringify(v)}`);
    return v;
  });
}

/** TYPE_ROWS as the source reads them, in canonical form (bytes as hex). */
export const EXPECTED: unknown[][] = [
  [
    1,
    -128,
    255,
    -32768,
    16777215,
    -2147483648,
    4294967295,
    -9223372036854775808n,
    18446744073709551615n,
    '-99999999999999999999999999999999999.999999999999999999999999999999',
    '-99999999.99',
    16777216,
    -1.7976931348623157e308,
    1n,
    18446744073709551615n,
    '1000-01-01',
    '9999-12-31 23:59:59.999999',
    '2024-02-29 12:00:00',
    '2038-01-19 03:14:07.999999',
    '-838:59:59.000000',
    1901,
    'fixed',
    '😀 emoji ✓',
    'long text '.repeat(500),
    'café é',
    hex('00010203'),
    hex('ff00'),
    hex('deadbeef00'),
    'c',
    'x,z',
    '{"a": [1, 2.5, "ü"], "b": null}',
    // SRID 0, then WKB: little endian, type 1 (point), x = 1.0, y = 2.0.
    hex('00000000' + '0101000000' + '000000000000f03f' + '0000000000000040'),
    hex(
      '00000000' +
        '0102000000' +
        '02000000' +
        '0000000000000000' +
        '0000000000000000' +
        '000000000000f03f' +
        '000000000000f03f',
    ),
  ],
  [
    2,
    127,
    0,
    32767,
    0,
    2147483647,
    0,
    9223372036854775807n,
    0n,
    '99999999999999999999999999999999999.999999999999999999999999999999',
    '0.01',
    Math.fround(3.1415927),
    2.2250738585072014e-308,
    0n,
    0n,
    '2024-02-29',
    '1970-01-01 00:00:00.000001',
    '1970-01-01 00:00:00',
    '1970-01-01 00:00:01.000000',
    '838:59:59.999999',
    2155,
    '',
    '',
    '',
    '',
    hex('41000000'),
    hex(''),
    hex(''),
    'a',
    '',
    '[]',
    hex('00000000' + '0101000000' + '000000000000f8bf' + Buffer.from(new Float64Array([1e10]).buffer).toString('hex')),
    null,
  ],
  [3, ...Array.from({ length: 32 }, () => null)],
  [
    4,
    0,
    1,
    0,
    1,
    0,
    1,
    0n,
    1n,
    '0.000000000000000000000000000001',
    '1.50',
    Math.fround(-3.40282e38),
    0,
    1n,
    5n,
    '0000-00-00',
    '0000-00-00 00:00:00.000000',
    '0000-00-00 00:00:00',
    null,
    '00:00:00.000000',
    0,
    'x',
    'x',
    'x',
    'x',
    hex('41000000'),
    hex('41'),
    hex('41'),
    'b',
    'y',
    '{}',
    null,
    null,
  ],
];
