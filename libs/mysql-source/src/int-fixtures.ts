import { expect } from 'vitest';
import type { CanonicalValue } from '@tidewater/rowcodec';
import type { ChunkBounds } from './index.js';

// Tables and checks of mysql-source.int.test.ts.

/** A table with a column of every MySQL type the source reads (test fixture of mysql-source.int.test.ts). */
const typesDdl = (db: string) => `CREATE TABLE ${db}.all_types (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  d65 DECIMAL(65,30), d10 DECIMAL(10,2), f FLOAT, dbl DOUBLE,
  b1 BIT(1), b64 BIT(64),
  dt DATE, dtm DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR,
  c CHAR(10), vc VARCHAR(100), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1,
  bn BINARY(4), vb VARBINARY(20), bl BLOB,
  en ENUM('a','b','c'), st SET('x','y','z'), js JSON, pt POINT, geo GEOMETRY
) CHARACTER SET utf8mb4`;

/** Rows of `all_types`: extremes, empty values, NULLs, zero dates. */
const TYPE_ROWS = [
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

/** Every table the tests read: all types, composite, string, sparse and dense keys, reserved words, a view, 200k rows. */
export async function createFixtures(q: (sql: string) => Promise<unknown>, db: string, nokeyDb: string): Promise<void> {
  await q(`DROP DATABASE IF EXISTS ${db}`);
  await q(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
  await q(typesDdl(db));
  // Written in +05:00: the TIMESTAMP must read back in UTC whatever zone wrote it.
  await q(`SET time_zone = '+05:00'`);
  await q(`INSERT INTO ${db}.all_types VALUES ${TYPE_ROWS.join(',')}`);
  await q(`SET time_zone = '+00:00'`);
  await q(
    `CREATE TABLE ${db}.composite (region CHAR(2) NOT NULL, seq INT NOT NULL, note VARCHAR(20), PRIMARY KEY (region, seq)) COLLATE utf8mb4_general_ci`,
  );
  await q(
    `INSERT INTO ${db}.composite SELECT ELT(1 + (seq % 4), 'eu', 'US', 'ap', 'Ça'), seq, CONCAT('n', seq) FROM ${db}.seq_1_to_3000`,
  );
  // Case-insensitive, accent-aware ordering differs from byte order: chunks must follow the server's.
  await q(`CREATE TABLE ${db}.strkey (k VARCHAR(40) NOT NULL PRIMARY KEY, v INT NOT NULL) COLLATE utf8mb4_general_ci`);
  await q(
    `INSERT INTO ${db}.strkey SELECT CONCAT(ELT(1 + seq % 5, 'a', 'B', 'é', 'Z', '😀'), LPAD(seq, 6, '0'), IF(seq % 7 = 0, ' x', '')), seq FROM ${db}.seq_1_to_5000`,
  );
  await q(`CREATE TABLE ${db}.\`order\` (\`select\` INT PRIMARY KEY, \`from\` VARCHAR(10), \`we\`\`ird\` INT)`);
  await q(`INSERT INTO ${db}.\`order\` VALUES (1, 'where', 7), (2, NULL, NULL)`);
  await q(`CREATE TABLE ${db}.empty_one (id INT PRIMARY KEY, v INT)`);
  await q(`DROP DATABASE IF EXISTS ${nokeyDb}`);
  await q(`CREATE DATABASE ${nokeyDb}`);
  await q(`CREATE TABLE ${nokeyDb}.no_key (a INT, b INT NULL, UNIQUE KEY (b))`);
  await q(
    `CREATE TABLE ${db}.uniq (a INT NULL, code CHAR(8) NOT NULL, n INT NOT NULL, UNIQUE KEY wide (code, n), UNIQUE KEY narrow (code))`,
  );
  await q(`INSERT INTO ${db}.uniq VALUES (NULL, 'x', 1), (2, 'y', 2)`);
  await q(`CREATE TABLE ${db}.sparse (id BIGINT UNSIGNED PRIMARY KEY, v INT)`);
  await q(`INSERT INTO ${db}.sparse SELECT seq * 1000003, seq FROM ${db}.seq_1_to_2000`);
  await q(`CREATE VIEW ${db}.a_view AS SELECT * FROM ${db}.composite`);
  await q(
    `CREATE TABLE ${db}.big (id BIGINT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, amount DECIMAL(12,2))`,
  );
  await q(
    `INSERT INTO ${db}.big SELECT seq, seq % 1000, REPEAT(CHAR(65 + seq % 26), 120), MD5(seq), seq / 100 FROM ${db}.seq_1_to_200000`,
  );
  await q(`ANALYZE TABLE ${db}.big, ${db}.composite, ${db}.strkey, ${db}.sparse`);
}

export function expectContiguous(chunks: readonly ChunkBounds[]): void {
  expect(chunks[0]?.lower).toEqual([]);
  expect(chunks.at(-1)?.upper).toEqual([]);
  for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.lower).toEqual(chunks[i - 1]!.upper);
}

export const keyText = (r: readonly unknown[], n: number) =>
  JSON.stringify(r.slice(0, n), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
