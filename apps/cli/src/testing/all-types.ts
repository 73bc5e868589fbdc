import type { ColumnKind } from './compare.js';

// The type-torture table of the end-to-end tests (full-migration.int.test.ts, and the PostgreSQL
// destination's postgres-destination.int.test.ts): a column of every MySQL type, rows of extremes,
// empty values, NULLs and zero dates, and how each column is compared (compare.ts).

export const TYPES_DDL = `CREATE TABLE fid.all_types (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  d65 DECIMAL(65,30), d10 DECIMAL(10,2), f FLOAT, dbl DOUBLE,
  b1 BIT(1), b64 BIT(64),
  dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR,
  c CHAR(10), vc VARCHAR(100), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1,
  bn BINARY(4), vb VARBINARY(20), bl BLOB,
  en ENUM('a','b','c'), st SET('x','y','z'), js JSON, pt POINT, geo GEOMETRY
) CHARACTER SET utf8mb4`;

export const TYPE_COLS: ColumnKind[] = [
  ['id', 'int'],
  ['ti', 'int'],
  ['tiu', 'int'],
  ['si', 'int'],
  ['siu', 'int'],
  ['mi', 'int'],
  ['miu', 'int'],
  ['i', 'int'],
  ['iu', 'int'],
  ['bi', 'int'],
  ['biu', 'int'],
  ['d65', 'exact'],
  ['d10', 'exact'],
  ['f', 'float'],
  ['dbl', 'double'],
  ['b1', 'bit'],
  ['b64', 'bit'],
  ['dt', 'date'],
  ['dtm', 'datetime'],
  ['ts', 'datetime'],
  ['tm', 'text'],
  ['yr', 'year'],
  ['c', 'text'],
  ['vc', 'text'],
  ['tx', 'text'],
  ['l1', 'text'],
  ['bn', 'bytes'],
  ['vb', 'bytes'],
  ['bl', 'bytes'],
  ['en', 'text'],
  ['st', 'text'],
  ['js', 'text'],
  ['pt', 'bytes'],
  ['geo', 'bytes'],
].map(([name, kind]) => ({ name, kind }) as ColumnKind);

export const TYPE_ROWS = [
  `(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
    '-99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99, -3.40282e38, -1.7976931348623157e308,
    b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
    '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '-838:59:59.000000', 1901,
    'fixed', '😀 emoji ✓', REPEAT('long text ', 500), 'café é', X'00010203', X'FF00', X'DEADBEEF00',
    'c', 'x,z', '{"a": [1, 2.5, "ü"], "b": null}', ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'))`,
  `(2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
    '99999999999999999999999999999999999.999999999999999999999999999999', 0.01, 1.5, 2.2250738585072014e-308,
    b'0', b'0', '2024-02-29', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:01.000000', '838:59:59.999999', 2155,
    '', '', '', '', X'00000000', X'', X'', 'a', '', '[]', ST_GeomFromText('POINT(-1.5 1e10)'), ST_GeomFromText('LINESTRING(0 0,1 1)'))`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, '0.000000000000000000000000000001', 1.5, 0, 0, b'1', b'101', '0000-00-00', '0000-00-00 00:00:00', NULL, '00:00:00', 0,
    'x', 'x', 'x', 'x', X'41', X'41', X'41', 'b', 'y', '{}', NULL, NULL)`,
];
