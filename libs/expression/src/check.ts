import type { ExprColumn, Node } from './ast.js';
import { KEEPS_COLLATION } from './functions.js';
import { invalid } from './lexer.js';
import { ordersLikeMySql, Temporal } from './values.js';

const NUMERIC_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'year',
  'bit',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
]);
const NUMERIC_FUNCTIONS = new Set([
  'LENGTH',
  'CHAR_LENGTH',
  'CHARACTER_LENGTH',
  'ABS',
  'ROUND',
  'FLOOR',
  'CEIL',
  'CEILING',
  'YEAR',
  'MONTH',
  'DAY',
  'DAYOFMONTH',
]);
const ORDERING = new Set(['<', '<=', '>', '>=']);
const COMPARISONS = new Set(['=', '<=>', '<>', ...ORDERING]);
const ARITHMETIC = new Set(['+', '-', '*', '/', 'DIV', '%']);

/**
 * Refuses comparisons the evaluator could decide differently from MySQL (run by
 * parseExpression, so the precheck reports them): orderings under collations whose weights
 * it does not implement, ENUM/SET in numeric context, TIME and temporal values against
 * literals MySQL would convert in ways it does not, and quotients used as operands: MySQL
 * shows and compares `a / b` at the dividend's scale + 4 but computes on with 9 more digits
 * (`FLOOR(1/3*3)` is 0 there), which the evaluator does not carry.
 */
export function checkComparisons(ast: Node, columns: readonly ExprColumn[], what: string): void {
  const col = (n: Node): ExprColumn | undefined => (n.k === 'col' ? columns.find((c) => c.name === n.name) : undefined);
  const type = (n: Node) => col(n)?.dataType.toLowerCase();

  const isNumeric = (n: Node): boolean =>
    n.k === 'int' ||
    n.k === 'dec' ||
    n.k === 'float' ||
    n.k === 'neg' ||
    n.k === 'bin' ||
    n.k === 'not' ||
    n.k === 'is' ||
    n.k === 'in' ||
    n.k === 'between' ||
    n.k === 'like' ||
    (n.k === 'fn' && NUMERIC_FUNCTIONS.has(n.name)) ||
    NUMERIC_TYPES.has(type(n) ?? '');

  /** The text column whose collation `n` compares by, through collation-keeping functions. */
  const textColumn = (n: Node): ExprColumn | undefined => {
    if (n.k === 'col') return col(n)?.collation ? col(n) : undefined;
    if (n.k === 'fn' && KEEPS_COLLATION.has(n.name)) return n.args.map(textColumn).find((c) => c);
    return undefined;
  };

  const side = (x: Node, y: Node, ordering: boolean): void => {
    const c = col(x);
    const t = type(x);
    if (c && (t === 'enum' || t === 'set') && isNumeric(y)) {
      throw invalid(
        what,
        `${c.name} is ${t.toUpperCase()}: compared with a number MySQL uses its index, not its value`,
        `compare ${c.name} with the value's name, e.g. ${c.name} = 'name'`,
      );
    }
    if (c && t === 'time' && y.k !== 'null' && !(y.k === 'str' && /^\d\d:\d\d:\d\d$/.test(y.v))) {
      throw invalid(
        what,
        `TIME column ${c.name} can only be compared with a 'hh:mm:ss' literal (two-digit hours)`,
        `write the time in full, e.g. ${c.name} >= '09:00:00'`,
      );
    }
    if (c && (t === 'date' || t === 'datetime' || t === 'timestamp')) {
      if (y.k === 'str' && !Temporal.parse(y.v, 'datetime')) {
        throw invalid(
          what,
          `'${y.v}' compared with ${t.toUpperCase()} column ${c.name} is not a 'YYYY-MM-DD[ hh:mm:ss[.ffffff]]' date`,
          `write the date as 'YYYY-MM-DD' or 'YYYY-MM-DD hh:mm:ss'`,
        );
      }
      if (t !== 'date' && isNumeric(y)) {
        throw invalid(
          what,
          `${t.toUpperCase()} column ${c.name} is compared with a number`,
          `compare ${c.name} with a 'YYYY-MM-DD hh:mm:ss' string`,
        );
      }
    }
    const tc = ordering ? textColumn(x) : undefined;
    if (tc && !ordersLikeMySql(tc.collation!)) {
      throw invalid(
        what,
        `${tc.name} uses collation ${tc.collation}, whose order (<, <=, >, >=, BETWEEN, GREATEST, LEAST) the change-stream evaluator cannot reproduce`,
        `filter ${tc.name} with =, IN or LIKE instead`,
      );
    }
  };
  const pair = (x: Node, y: Node, ordering: boolean): void => {
    side(x, y, ordering);
    side(y, x, ordering);
  };

  const walk = (n: Node): void => {
    switch (n.k) {
      case 'bin':
        if (COMPARISONS.has(n.op)) pair(n.a, n.b, ORDERING.has(n.op));
        if (ARITHMETIC.has(n.op))
          for (const x of [n.a, n.b]) {
            enumArithmetic(x);
            quotientOperand(x);
          }
        walk(n.a);
        walk(n.b);
        return;
      case 'neg':
        enumArithmetic(n.a);
        walk(n.a);
        return;
      case 'not':
        walk(n.a);
        return;
      case 'is':
        walk(n.a);
        return;
      case 'in':
        for (const x of n.list) pair(n.a, x, false);
        [n.a, ...n.list].forEach(walk);
        return;
      case 'between':
        pair(n.a, n.lo, true);
        pair(n.a, n.hi, true);
        [n.a, n.lo, n.hi].forEach(walk);
        return;
      case 'like':
        walk(n.a);
        walk(n.pattern);
        return;
      case 'case':
        for (const [w, t] of n.whens) {
          if (n.subject) pair(n.subject, w, false);
          walk(w);
          walk(t);
        }
        if (n.subject) walk(n.subject);
        if (n.otherwise) walk(n.otherwise);
        return;
      case 'fn': {
        const ordering = n.name === 'GREATEST' || n.name === 'LEAST';
        if (ordering || n.name === 'NULLIF')
          n.args.forEach((x, i) => n.args.slice(i + 1).forEach((y) => pair(x, y, ordering)));
        n.args.forEach(quotientOperand);
        n.args.forEach(walk);
        return;
      }
      default:
        return;
    }
  };
  const quotientOperand = (n: Node): void => {
    if (n.k === 'bin' && n.op === '/') {
      throw invalid(
        what,
        'the result of a division is used in further arithmetic or a function, where MySQL keeps more digits than the change-stream evaluator',
        'compare the quotient directly (a / b > x), or multiply instead (a > x * b)',
      );
    }
  };
  const enumArithmetic = (n: Node): void => {
    const c = col(n);
    const t = type(n);
    if (c && (t === 'enum' || t === 'set'))
      throw invalid(
        what,
        `${c.name} is ${t.toUpperCase()}: in arithmetic MySQL uses its index, not its value`,
        `compare ${c.name} with the value's name instead`,
      );
  };
  walk(ast);
}
