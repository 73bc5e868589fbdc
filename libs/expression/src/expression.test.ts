import { describe, expect, it } from 'vitest';
import { compileFilter, compileValue, parseExpression, renderSql, toRowValue, type RowValue } from './index.js';
import { COLUMNS } from './test-fixtures.js';

type Row = Partial<Record<string, RowValue>>;

function keeps(text: string, row: Row): boolean {
  const e = parseExpression(text, COLUMNS, 'filter of t');
  return compileFilter(e, COLUMNS)((i) => row[e.columns[i]!] ?? null);
}

function value(text: string, row: Row = {}): string | null {
  const e = parseExpression(text, COLUMNS, 'etl of t');
  const v = compileValue(e, COLUMNS)((i) => row[e.columns[i]!] ?? null);
  return v === null ? null : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v);
}

describe('filters evaluate as MySQL WHERE does', () => {
  const row: Row = {
    id: 7,
    name: 'Ünïcode  ',
    code: 'AbC',
    price: '12.50',
    ratio: 0.5,
    born: '2024-01-05',
    seen: '2024-01-05 10:00:00.250000',
    order: 3,
  };
  it.each([
    ['id = 7', true],
    ['id = 7.0', true],
    ["id = '7'", true],
    ["id = '7abc'", true],
    ['id <> 7', false],
    ['id > 6 AND id < 8', true],
    ['id BETWEEN 7 AND 7', true],
    ['id NOT BETWEEN 1 AND 6', true],
    ['id IN (1, 2, 7)', true],
    ['id NOT IN (1, 2, 7)', false],
    ["name = 'UNICODE'", true],
    ["name = 'unicode'", true],
    ["name LIKE 'uni%'", true],
    ["name LIKE 'uni%e'", false],
    ["name LIKE 'uni%e  '", true],
    ["code = 'abc'", false],
    ["code = 'AbC'", true],
    ["code = 'AbC  '", true],
    ["code LIKE 'a%'", false],
    ['price = 12.5', true],
    ['price > 12.49', true],
    ["price = '12.50'", true],
    ['price * 2 = 25', true],
    ['ratio = 1/2', true],
    ["born = '2024-1-5'", true],
    ["born < '2024-01-06'", true],
    ["seen > '2024-01-05'", true],
    ["seen = '2024-01-05 10:00:00.25'", true],
    ['`order` = 3', true],
    ['id DIV 2 = 3 AND id % 2 = 1 AND id MOD 4 = 3', true],
    ['-id = -7', true],
    ['NOT id = 7', false],
    ['!(id = 8)', true],
    ['id = 7 XOR id = 8', true],
    ["CASE WHEN id > 5 THEN 'big' ELSE 'small' END = 'big'", true],
    ['CASE id WHEN 7 THEN 1 END', true],
    // The _bin column's collation wins over the literal's.
    ["CONCAT(code, '-', id) = 'abc-7'", false],
    ["CONCAT(code, '-', id) = 'AbC-7'", true],
    ["LOWER(code) = 'abc'", true],
    ['LENGTH(name) = 11', true],
    ['CHAR_LENGTH(name) = 9', true],
    ['YEAR(born) = 2024 AND MONTH(seen) = 1 AND DAY(seen) = 5', true],
    ["DATE(seen) = '2024-01-05'", true],
    ['ROUND(price) = 13 AND FLOOR(price) = 12 AND CEIL(price) = 13', true],
    ['ABS(-price) = price', true],
    ['GREATEST(id, 9, 3) = 9 AND LEAST(id, 9, 3) = 3', true],
    ["IF(id > 1, 'y', 'n') = 'y'", true],
    ['TRUE', true],
    ['FALSE', false],
    ['1', true],
  ] as const)('%s → %s', (text, expected) => {
    expect(keeps(text, row)).toBe(expected);
  });

  it.each([
    // NO PAD (0900, nopad): trailing spaces count; _cs and _bin keep case.
    ["ai = 'ecole'", { ai: 'École' }, true],
    ["ai = 'ecole'", { ai: 'ecole ' }, false],
    ["cs = 'abc'", { cs: 'ABC' }, false],
    ["cs = 'abc'", { cs: 'abc' }, true],
    ["nb = 'a'", { nb: 'a ' }, false],
    ["nb = 'a '", { nb: 'a ' }, true],
    ["nb < 'b'", { nb: 'a' }, true],
    // A letter as ESCAPE is read before case folding.
    ["name LIKE 'ae%' ESCAPE 'e'", { name: 'A%' }, true],
    ["name LIKE 'ae%' ESCAPE 'e'", { name: 'aex' }, false],
    ["t > '09:00:00'", { t: '10:00:00' }, true],
    ["t = '10:00:00'", { t: '10:00:00.000000' }, true],
    ["st = 'small'", { st: 'small' }, true],
  ] as const)('%s on %o → %s', (text, row, expected) => {
    expect(keeps(text, row)).toBe(expected);
  });

  it.each([
    ['name = NULL', false],
    ['name <> NULL', false],
    ['name IS NULL', true],
    ['name IS NOT NULL', false],
    ['name <=> NULL', true],
    ['NOT (name = 1)', false],
    ['name = 1 OR TRUE', true],
    ['name = 1 AND FALSE', false],
    ['NOT (name = 1 AND FALSE)', true],
    ['id IN (1, NULL)', false],
    ['id NOT IN (1, NULL)', false],
    ['id NOT IN (2, 3)', true],
    ['COALESCE(name, id) = 7', true],
    ['IFNULL(name, 1) = 1', true],
    ['CONCAT(name, id) IS NULL', true],
    ["CONCAT_WS('-', name, id) = '7'", true],
  ] as const)('NULL logic: %s → %s (name NULL, id 7)', (text, expected) => {
    expect(keeps(text, { id: 7, name: null })).toBe(expected);
  });
});

describe('values (ETL)', () => {
  it.each([
    ['price * 2', {}, '25.00'],
    ['price + 1', {}, '13.50'],
    ['price / 4', {}, '3.125000'],
    ['id / 2', {}, '3.5000'],
    ['id / 0', {}, null],
    ['id DIV 0', {}, null],
    ['ROUND(price, 1)', {}, '12.5'],
    ['ROUND(2.45, 1)', {}, '2.5'],
    ['ROUND(-2.5)', {}, '-3'],
    ["CONCAT(UPPER(code), '/', id)", {}, 'ABC/7'],
    ['SUBSTRING(code, 2)', {}, 'bC'],
    ['SUBSTRING(code, -2, 1)', {}, 'b'],
    ["REPLACE(code, 'b', 'x')", {}, 'AxC'],
    ["TRIM('  x  ')", {}, 'x'],
    ['LEFT(code, 2)', {}, 'Ab'],
    ['RIGHT(code, 2)', {}, 'bC'],
    ["NULLIF(code, 'abc')", {}, 'AbC'],
    ["X'4142'", {}, '4142'],
    ['9223372036854775807 + 1', {}, '9223372036854775808'],
  ] as const)('%s = %s', (text, extra, expected) => {
    expect(value(text, { id: 7, code: 'AbC', price: '12.50', ...extra })).toBe(expected);
  });

  it("refuses an integer out of the destination column's range, naming the column", () => {
    expect(toRowValue(255n, { dataType: 'tinyint', unsigned: true })).toBe(255);
    expect(toRowValue(-128n, { dataType: 'tinyint' })).toBe(-128);
    expect(() => toRowValue(128n, { name: 'qty', dataType: 'tinyint' })).toThrow(
      /ETL value 128 is out of range for qty \(tinyint: -128 to 127\)/,
    );
    expect(() => toRowValue(-1n, { name: 'n', dataType: 'bigint', unsigned: true })).toThrow(
      /out of range for n \(bigint unsigned/,
    );
    expect(() => toRowValue(2 ** 31, { name: 'n', dataType: 'int' })).toThrow(/out of range for n/);
  });

  it('converts a value to the destination column as MySQL assigns it', () => {
    expect(toRowValue(7n, { dataType: 'int' })).toBe(7);
    expect(toRowValue('12.345', { dataType: 'decimal', scale: 2 })).toBe('12.35');
    expect(toRowValue(2.5, { dataType: 'bigint' })).toBe(3n);
    expect(toRowValue('abc', { dataType: 'int' })).toBeNull();
    expect(toRowValue('2024-1-5 3:4:5', { dataType: 'datetime' })).toBe('2024-01-05 03:04:05');
    expect(toRowValue('2024-01-05 10:00:00.25', { dataType: 'date' })).toBe('2024-01-05');
    expect(toRowValue(42n, { dataType: 'varchar' })).toBe('42');
  });
});

describe('rendering for the source query', () => {
  it.each([
    ["name = 'O''Brien\\\\x'", "(`name` = 'O''Brien\\\\x')"],
    ['id IN (1,2) AND NOT price > 3', '((`id` IN (1, 2)) AND (NOT (`price` > 3)))'],
    ['`order` BETWEEN -1 AND 2.5', '(`order` BETWEEN (-1) AND 2.5)'],
    ["lower(name) like 'a!%' escape '!'", "(LOWER(`name`) LIKE 'a!%' ESCAPE '!')"],
    ['NAME is not null', '(`name` IS NOT NULL)'],
  ])('%s → %s', (text, sql) => {
    const e = parseExpression(text, COLUMNS, 'filter of t');
    expect(renderSql(e)).toBe(sql);
    // Rendering is stable: the rendered text parses to the same tree.
    expect(parseExpression(renderSql(e), COLUMNS, 'again').ast).toEqual(e.ast);
  });
});
