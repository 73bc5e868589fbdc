import type { ExprColumn, Node } from './ast.js';
import type { Token } from './lexer.js';
import { STATEMENT_WORDS, TokenCursor } from './token-cursor.js';
import { FUNCTIONS, NON_DETERMINISTIC } from './functions.js';

/** Words the grammar itself uses: a column so named must be written `quoted`. */
const KEYWORDS = new Set([
  'AND',
  'OR',
  'XOR',
  'NOT',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
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
]);

/**
 * The terms of the grammar: literals, columns (resolved against the table's), function calls,
 * CASE, and parenthesized expressions. The operators between terms are parser.ts's.
 */
export abstract class TermParser extends TokenCursor {
  readonly used: string[] = [];

  constructor(
    tokens: Token[],
    private readonly columns: readonly ExprColumn[],
    what: string,
  ) {
    super(tokens, what);
  }

  /** A whole expression at nesting depth `d` (inside parentheses, arguments, CASE). */
  abstract expression(d: number): Node;

  protected primary(d: number): Node {
    const t = this.tok;
    switch (t.t) {
      case 'num':
        this.pos++;
        if (/[eE]/.test(t.text)) return { k: 'float', text: t.text };
        if (t.text.includes('.'))
          return {
            k: 'dec',
            text: t.text.startsWith('.') ? `0${t.text}` : t.text.endsWith('.') ? `${t.text}0` : t.text,
          };
        return { k: 'int', v: BigInt(t.text) };
      case 'str':
        this.pos++;
        return { k: 'str', v: t.v };
      case 'hex':
        this.pos++;
        return { k: 'hex', v: t.v };
      case 'op':
        if (t.v === '(') {
          this.pos++;
          if (this.isWord('SELECT', 'WITH')) this.statementWord(this.word()!);
          const inner = this.expression(d);
          this.expect(')');
          return inner;
        }
        return this.fail(t.v === ')' ? "unbalanced ')'" : `unexpected '${t.v}'`);
      case 'end':
        return this.fail('unexpected end of input');
      case 'word':
        return this.wordPrimary(t, d);
    }
  }

  private wordPrimary(t: Extract<Token, { t: 'word' }>, d: number): Node {
    const upper = t.v.toUpperCase();
    const call = this.tokens[this.pos + 1]?.t === 'op' && (this.tokens[this.pos + 1] as { v: string }).v === '(';
    if (!t.quoted) {
      if (STATEMENT_WORDS.has(upper) && !(call && FUNCTIONS[upper])) this.statementWord(upper);
      if (upper === 'NULL') return this.advance({ k: 'null' });
      if (upper === 'TRUE') return this.advance({ k: 'int', v: 1n });
      if (upper === 'FALSE') return this.advance({ k: 'int', v: 0n });
      if (upper === 'CASE') return this.caseExpr(d);
      if (call) return this.call(upper, d);
      if (KEYWORDS.has(upper)) this.fail(`unexpected ${upper}`);
    }
    if (call && t.quoted) this.fail(`\`${t.v}\` is not a function`);
    return this.advance(this.column(t.v, t.at));
  }

  private column(name: string, at: number): Node {
    // MySQL column names are case-insensitive.
    const col = this.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!col) {
      this.fail(
        `unknown column ${name}${
          this.columns.length
            ? ` (the table has ${this.columns
                .slice(0, 12)
                .map((c) => c.name)
                .join(', ')}${this.columns.length > 12 ? ', …' : ''})`
            : ''
        }`,
        at,
      );
    }
    let index = this.used.indexOf(col.name);
    if (index < 0) index = this.used.push(col.name) - 1;
    return { k: 'col', name: col.name, index };
  }

  private call(name: string, d: number): Node {
    const at = this.tok.at;
    if (NON_DETERMINISTIC.has(name))
      this.fail(
        `${name}() is not allowed: its value differs between the source and the transform service, so a row could be kept by one and dropped by the other`,
      );
    const fn = FUNCTIONS[name];
    if (!fn) this.fail(`unknown function ${name}() (supported: ${Object.keys(FUNCTIONS).sort().join(', ')})`);
    this.pos += 2;
    const args: Node[] = [];
    if (!this.isOp(')')) {
      args.push(this.expression(d));
      while (this.isOp(',')) {
        this.pos++;
        args.push(this.expression(d));
      }
    }
    this.expect(')');
    const [min, max] = fn.arity;
    if (args.length < min || args.length > max)
      this.fail(
        `${name}() takes ${min === max ? min : max === Infinity ? `at least ${min}` : `${min} to ${max}`} argument(s), got ${args.length}`,
        at,
      );
    return { k: 'fn', name, args };
  }

  private caseExpr(d: number): Node {
    this.pos++;
    const subject = this.isWord('WHEN') ? undefined : this.expression(d);
    const whens: [Node, Node][] = [];
    while (this.isWord('WHEN')) {
      this.pos++;
      const when = this.expression(d);
      this.expectWord('THEN');
      whens.push([when, this.expression(d)]);
    }
    if (whens.length === 0) this.fail('CASE needs at least one WHEN … THEN');
    let otherwise: Node | undefined;
    if (this.isWord('ELSE')) {
      this.pos++;
      otherwise = this.expression(d);
    }
    this.expectWord('END');
    return { k: 'case', subject, whens, otherwise };
  }
}
