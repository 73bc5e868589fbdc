import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import type { TableSchema } from '@tidewater/proto';
import {
  compileFilter,
  compileValue,
  parseExpression,
  renderSql,
  toRowValue,
  type ExprColumn,
  type RowValue,
} from './index.js';

// The gold standard is the server itself: for each expression, the rows MariaDB's WHERE keeps
// must be exactly the rows compileFilter keeps on the same rows read back in canonical form.
let db: MariaDbServer;
let source: SourceClient;
let schema: TableSchema;
let rows: RowValue[][];
let columns: ExprColumn[];

const WORDS = [
  'apple',
  'Apple',
  'APPLE ',
  'äpple',
  'banana',
  'Banana%',
  'b_nana',
  '',
  ' lead',
  'trail  ',
  "it's",
  'back\\slash',
  'ÉCOLE',
  'école',
  '12abc',
  '7',
  'x',
  'A%b',
  'ae',
  'aex',
];

beforeAll(async () => {
  db = await startMariaDb();
  source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  await source.query('CREATE DATABASE ex');
  await source.query(`CREATE TABLE ex.t (
    id INT PRIMARY KEY, n INT NULL, big BIGINT UNSIGNED NULL, price DECIMAL(10,2) NULL, ratio DOUBLE NULL,
    name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
    code VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    born DATE NULL, seen DATETIME(6) NULL, flag TINYINT NULL,
    nb VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
    nci VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_nopad_ci NULL)`);
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybe = (v: string) => (rand() < 0.12 ? 'NULL' : v);
  const values: string[] = [];
  for (let id = 1; id <= 300; id++) {
    const word = (w: string) => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
    values.push(
      `(${id}, ${maybe(String(Math.floor(rand() * 200) - 100))}, ${maybe(String(BigInt(Math.floor(rand() * 1e6)) * 10n ** 12n))}, ${maybe((rand() * 2000 - 1000).toFixed(2))}, ${maybe((rand() * 10 - 5).toFixed(3))}, ${maybe(word(pick(WORDS)))}, ${maybe(word(pick(WORDS)))}, ${maybe(`'2024-${1 + Math.floor(rand() * 12)}-${1 + Math.floor(rand() * 28)}'`)}, ${maybe(`'2024-01-${10 + Math.floor(rand() * 5)} ${Math.floor(rand() * 24)}:${Math.floor(rand() * 60)}:00.${Math.floor(rand() * 1e6)}'`)}, ${maybe(String(Math.floor(rand() * 3)))}, ${maybe(word(pick(WORDS)))}, ${maybe(word(pick(WORDS)))})`,
    );
  }
  await source.query(`INSERT INTO ex.t VALUES ${values.join(',\n')}`);
  [schema] = (await source.readSchemas([{ database: 'ex', tables: ['t'] }])) as [TableSchema];
  columns = schema.columns.map((c) => ({ name: c.name, dataType: c.dataType, collation: c.collation }));
  rows = [];
  for await (const batch of source.readChunk(schema, { lower: [], upper: [] }, { rowsPerBatch: 1000 }))
    rows.push(...(batch as RowValue[][]));
}, 120_000);

afterAll(async () => {
  await source?.close();
  await db?.stop();
});

const FILTERS = [
  'n > 10',
  'n = 0 OR n IS NULL',
  'n BETWEEN -5 AND 5',
  'n NOT BETWEEN -50 AND 50',
  'n IN (1, 2, 3, -1)',
  'n NOT IN (1, NULL)',
  'n % 3 = 1',
  'n DIV 7 = -2',
  '-n > 40',
  'big > 500000000000000000',
  'big IS NULL',
  'price > 100.5',
  "price = '12.50'",
  'price * 2 > ratio',
  'ROUND(price) = price',
  'ABS(price) < 250',
  'price / 3 > 10',
  'price / 7 = 1.428571',
  'ratio < 0',
  'ratio >= 1.5 AND ratio < 4',
  "name = 'apple'",
  "name <> 'APPLE'",
  "name LIKE 'a%'",
  "name LIKE '%\\%%'",
  "name LIKE 'b_nana'",
  "name LIKE '%le'",
  "name NOT LIKE '%a%'",
  "name = 'ecole'",
  "name > 'b'",
  "name IN ('banana', 'x')",
  "code = 'apple'",
  "code LIKE 'A%'",
  "code < 'a'",
  "code = 'trail'",
  "name = '7'",
  'name = 7',
  "name = '12abc'",
  "born < '2024-06-01'",
  "born = '2024-3-5'",
  'YEAR(born) = 2024 AND MONTH(born) > 6',
  "seen > '2024-01-12'",
  "seen BETWEEN '2024-01-11' AND '2024-01-12 12:00'",
  "DATE(seen) = '2024-01-13'",
  'flag',
  'NOT flag',
  'flag IS TRUE',
  'flag IS NOT FALSE',
  "LOWER(code) = 'apple'",
  "UPPER(name) = 'ÄPPLE'",
  'CHAR_LENGTH(name) > 5',
  'LENGTH(name) > CHAR_LENGTH(name)',
  "CONCAT(name, code) LIKE '%pp%'",
  "TRIM(name) = 'lead'",
  "SUBSTRING(name, 2, 3) = 'ppl'",
  "COALESCE(name, code, 'none') = 'none'",
  'IFNULL(n, 0) + 1 > 1',
  "IF(n > 0, name, code) = 'banana'",
  "CASE WHEN n > 50 THEN 'hi' WHEN n < -50 THEN 'lo' END = 'hi'",
  "CASE flag WHEN 1 THEN 'one' ELSE 'other' END = 'other'",
  'n > 0 XOR price > 0',
  'name <=> code',
  'NULLIF(n, 5) IS NULL',
  'GREATEST(n, 0) = 0',
  "REPLACE(name, 'p', 'P') = 'aPPle'",
  // A letter as ESCAPE: escapes are read before case folding.
  "name LIKE 'ae%%' ESCAPE 'e'",
  "code LIKE 'ae%' ESCAPE 'e'",
  "name LIKE 'aee%' ESCAPE 'e'",
  // NO PAD collations: trailing spaces count.
  "nb = 'trail'",
  "nb = 'trail  '",
  "nb < 'b'",
  "nb LIKE 'A%'",
  "nci = 'apple'",
  "nci = 'APPLE '",
  "nci > 'b'",
  "nci BETWEEN 'a' AND 'b'",
  "nci IN ('trail', 'ecole')",
];

describe('row filters against MariaDB', () => {
  it.each(FILTERS)('%s keeps the rows MariaDB keeps', async (text) => {
    const expr = parseExpression(text, columns, 'filter of ex.t');
    const keep = compileFilter(expr, columns);
    const idx = expr.columns.map((name) => schema.columns.findIndex((c) => c.name === name));
    const ours = rows.filter((r) => keep((i) => r[idx[i]!]!)).map((r) => Number(r[0]));
    const theirs = (await source.query(`SELECT id FROM ex.t WHERE ${renderSql(expr)} ORDER BY id`)).map((r) =>
      Number(r[0]),
    );
    expect(ours).toEqual(theirs);
  });
});

const VALUES: [string, string][] = [
  ['price * 2', 'decimal'],
  ['price / 3', 'decimal'],
  ['n + 1', 'bigint'],
  ['n DIV 3', 'bigint'],
  ["CONCAT(name, '-', n)", 'varchar'],
  ['UPPER(code)', 'varchar'],
  ['ROUND(price, 1)', 'decimal'],
  ['ROUND(ratio, 2)', 'double'],
  ['YEAR(seen)', 'bigint'],
  ["IF(flag, 'y', 'n')", 'varchar'],
  ['COALESCE(n, -1)', 'bigint'],
  ['SUBSTRING(name, -3)', 'varchar'],
];

describe('ETL values against MariaDB', () => {
  it.each(VALUES)('%s equals SELECT %s', async (text, type) => {
    const expr = parseExpression(text, columns, 'etl of ex.t');
    const value = compileValue(expr, columns);
    const idx = expr.columns.map((name) => schema.columns.findIndex((c) => c.name === name));
    const theirs = new Map(
      (await source.query(`SELECT id, CAST(${renderSql(expr)} AS CHAR) FROM ex.t`)).map((r) => [
        Number(r[0]),
        r[1] === null ? null : String(r[1]),
      ]),
    );
    for (const r of rows) {
      const v = toRowValue(
        value((i) => r[idx[i]!]!),
        { dataType: type, scale: type === 'decimal' ? 6 : 0 },
      );
      const expected = theirs.get(Number(r[0]))!;
      if (type === 'decimal')
        expect(v === null ? null : Number(v), `${text} for id ${r[0]}`).toBe(
          expected === null ? null : Number(expected),
        );
      else if (type === 'double' && expected !== null)
        expect(Number(v), `${text} for id ${r[0]}`).toBeCloseTo(Number(expected), 9);
      else expect(v === null ? null : String(v), `${text} for id ${r[0]}`).toBe(expected);
    }
  });
});
