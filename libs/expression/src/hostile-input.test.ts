import { describe, expect, it } from 'vitest';
import { isTidewaterError } from '@tidewater/errors';
import { parseExpression, renderSql } from './index.js';
import { COLUMNS } from './test-fixtures.js';

// Input that is not one expression of the supported subset is refused before anything runs.

const HOSTILE: [string, RegExp][] = [
  ['1; DROP TABLE x', /';' at offset 1: only a single expression/],
  ['id = 1 -- x', /comment at offset 7/],
  ['id = 1 # x', /comment at offset 7/],
  ['id /* x */ = 1', /comment at offset 3/],
  ['/*!50000 SELECT */ 1', /comment at offset 0/],
  ['id IN (SELECT id FROM t)', /SELECT is not allowed/],
  ['(SELECT 1)', /SELECT is not allowed/],
  ['EXISTS (SELECT 1)', /EXISTS is not allowed/],
  ['id = 1 UNION SELECT 1', /UNION is not allowed/],
  ["id = 'abc", /unterminated string starting at offset 5/],
  ['`id = 1', /unterminated `identifier`/],
  ['((id = 1)', /expected '\)' but found end of input/],
  ['id = 1)', /unexpected '\)' after the expression/],
  ['@x = 1', /variable at offset 0/],
  ['@@version = 1', /variable at offset 0/],
  ['sleep(10) = 0', /unknown function SLEEP\(\)/],
  ["load_file('/etc/passwd')", /unknown function LOAD_FILE\(\)/],
  ['NOW() > seen', /NOW\(\) is not allowed: its value differs/],
  ['nope = 1', /unknown column nope \(the table has id, name/],
  ['id = 1 id', /unexpected 'id' after the expression/],
  ['id || 1', /unexpected '\|'/],
  ['', /is empty/],
  ['x'.repeat(5000), /is 5000 characters long; at most 4096/],
  [`${'('.repeat(100)}1${')'.repeat(100)}`, /nesting deeper than 64/],
  ["id = 1 INTO OUTFILE '/tmp/x'", /INTO is not allowed/],
  ['SUBSTRING(name)', /SUBSTRING\(\) takes 2 to 3 argument\(s\), got 1/],
  ['id IS 3', /expected NULL, TRUE or FALSE after IS/],
  ["name LIKE 'a' ESCAPE 'ab'", /ESCAPE takes a one-character string/],
  // Comparisons the change-stream evaluator could decide differently from MySQL.
  ["uni > 'b'", /uni uses collation utf8mb4_unicode_ci, whose order .* cannot reproduce/],
  ["LOWER(ai) BETWEEN 'a' AND 'b'", /ai uses collation utf8mb4_0900_ai_ci/],
  ["GREATEST(cs, 'x') = 'x'", /cs uses collation utf8mb4_0900_as_cs/],
  ['st = 1', /st is ENUM: compared with a number MySQL uses its index/],
  ['st + 0 > 1', /st is ENUM: in arithmetic/],
  ["t > '9:00'", /TIME column t can only be compared with a 'hh:mm:ss' literal/],
  ['t = 90000', /TIME column t/],
  ["born = '20240101'", /'20240101' compared with DATE column born is not a 'YYYY-MM-DD/],
  ["seen < '2024/01/01'", /'2024\/01\/01' compared with DATETIME column seen/],
  ['seen > 20240101', /DATETIME column seen is compared with a number/],
  ['FLOOR(price / 3 * 3) = price', /result of a division is used in further arithmetic/],
  ['ROUND(price / 3, 6) > 1', /result of a division is used in further arithmetic or a function/],
];

describe('hostile input is refused with a clear message, nothing runs', () => {
  it.each(HOSTILE)('%s', (text, message) => {
    let caught: unknown;
    try {
      parseExpression(text, COLUMNS, 'filter of shop.t');
    } catch (e) {
      caught = e;
    }
    expect(isTidewaterError(caught) && caught.code).toBe('TW_EXPRESSION_INVALID');
    expect((caught as Error).message).toMatch(/^filter of shop\.t: /);
    expect((caught as Error).message).toMatch(message);
  });

  it('fuzz: random token soup either parses to safe SQL or is refused with TW_EXPRESSION_INVALID', () => {
    const alphabet = [
      'id',
      'name',
      '`order`',
      'price',
      "'a'",
      "'it''s'",
      "'\\''",
      '"q"',
      '1',
      '2.5',
      '1e3',
      "X'0A'",
      '(',
      ')',
      ',',
      '=',
      '<>',
      '<=>',
      '<',
      '>',
      '+',
      '-',
      '*',
      '/',
      '%',
      'AND',
      'OR',
      'XOR',
      'NOT',
      'IS',
      'NULL',
      'IN',
      'BETWEEN',
      'LIKE',
      'ESCAPE',
      'CASE',
      'WHEN',
      'THEN',
      'ELSE',
      'END',
      'DIV',
      'MOD',
      'LOWER',
      'CONCAT',
      'SELECT',
      'FROM',
      'UNION',
      ';',
      '--',
      '#',
      '/*',
      '*/',
      '@x',
      "'",
      '`',
      '"',
      '\\',
      '!',
      '&&',
      '||',
      'sleep',
    ];
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let parsed = 0;
    for (let n = 0; n < 5000; n++) {
      const len = 1 + Math.floor(rand() * 12);
      const text = Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(
        rand() < 0.5 ? ' ' : '',
      );
      let sql: string;
      try {
        sql = renderSql(parseExpression(text, COLUMNS, 'fuzz'));
      } catch (e) {
        expect(isTidewaterError(e) && e.code, `input ${JSON.stringify(text)} threw ${String(e)}`).toBe(
          'TW_EXPRESSION_INVALID',
        );
        continue;
      }
      parsed++;
      // Outside string literals the SQL holds no statement separator or comment opener.
      const outside = sql.replace(/'(?:[^'\\]|''|\\.)*'/g, "''").replace(/`(?:[^`]|``)*`/g, '``');
      expect(outside, text).not.toMatch(/;|--|#|\/\*|@/);
      expect(parseExpression(sql, COLUMNS, 'again').ast).toEqual(parseExpression(text, COLUMNS, 'fuzz').ast);
    }
    expect(parsed).toBeGreaterThan(50);
  });
});
