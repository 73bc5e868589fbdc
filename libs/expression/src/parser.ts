import type { BinOp, ExprColumn, Expression, Node } from './ast.js';
import { invalid, tokenize, type Token } from './lexer.js';
import { STATEMENT_WORDS, TokenCursor } from './token-cursor.js';
import { FUNCTIONS, NON_DETERMINISTIC } from './functions.js';
import { checkComparisons } from './check.js';

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
 * Parses a MySQL expression from the supported subset (docs/expressions.md) and resolves its
 * columns against the table's. Throws TW_EXPRESSION_INVALID naming `what`, the offset and the
 * reason for anything else.
 */
export function parseExpression(text: string, columns: readonly ExprColumn[], what: string): Expression {
  if (text.trim() === '') throw invalid(what, 'is empty');
  const p = new Parser(tokenize(text, what), columns, what);
  const ast = p.expression(0);
  p.expectEnd();
  checkComparisons(ast, columns, what);
  return { ast, columns: p.used, what };
}

class Parser extends TokenCursor {
  readonly used: string[] = [];

  constructor(
    tokens: Token[],
    private readonly columns: readonly ExprColumn[],
    what: string,
  ) {
    super(tokens, what);
  }

  /** OR < XOR < AND < NOT < predicates < + - < * / < unary (MySQL precedence). */
  expression(d: number): Node {
    return this.or(this.depth(d));
  }

  private or(d: number): Node {
    let a = this.xor(d);
    while (this.isWord('OR')) {
      this.pos++;
      a = { k: 'bin', op: 'OR', a, b: this.xor(d) };
    }
    return a;
  }

  private xor(d: number): Node {
    let a = this.and(d);
    while (this.isWord('XOR')) {
      this.pos++;
      a = { k: 'bin', op: 'XOR', a, b: this.and(d) };
    }
    return a;
  }

  private and(d: number): Node {
    let a = this.not(d);
    while (this.isWord('AND') || this.isOp('&&')) {
      this.pos++;
      a = { k: 'bin', op: 'AND', a, b: this.not(d) };
    }
    return a;
  }

  private not(d: number): Node {
    if (this.isWord('NOT')) {
      this.pos++;
      return { k: 'not', a: this.not(this.depth(d)) };
    }
    return this.predicate(d);
  }

  private predicate(d: number): Node {
    let a = this.additive(d);
    for (;;) {
      if (this.isOp('=', '<=>', '<>', '<', '<=', '>', '>=')) {
        const op = (this.tok as { v: string }).v as BinOp;
        this.pos++;
        a = { k: 'bin', op, a, b: this.additive(d) };
        continue;
      }
      if (this.isWord('IS')) {
        this.pos++;
        const not = this.isWord('NOT');
        if (not) this.pos++;
        const w = this.word();
        if (w !== 'NULL' && w !== 'TRUE' && w !== 'FALSE')
          this.fail(`expected NULL, TRUE or FALSE after IS but found ${this.describe(this.tok)}`);
        this.pos++;
        a = { k: 'is', a, what: w, not };
        continue;
      }
      const negated = this.isWord('NOT') && this.peekWord(1, 'IN', 'BETWEEN', 'LIKE');
      if (negated) this.pos++;
      if (this.isWord('IN')) {
        this.pos++;
        this.expect('(');
        if (this.isWord('SELECT')) this.statementWord('SELECT');
        const list = [this.expression(d)];
        while (this.isOp(',')) {
          this.pos++;
          list.push(this.expression(d));
        }
        this.expect(')');
        a = { k: 'in', a, list, not: negated };
        continue;
      }
      if (this.isWord('BETWEEN')) {
        this.pos++;
        const lo = this.additive(d);
        this.expectWord('AND');
        a = { k: 'between', a, lo, hi: this.additive(d), not: negated };
        continue;
      }
      if (this.isWord('LIKE')) {
        this.pos++;
        const pattern = this.additive(d);
        let escape = '\\';
        if (this.isWord('ESCAPE')) {
          this.pos++;
          const t = this.tok;
          if (t.t !== 'str' || [...t.v].length !== 1) this.fail('ESCAPE takes a one-character string');
          escape = t.v;
          this.pos++;
        }
        a = { k: 'like', a, pattern, escape, not: negated };
        continue;
      }
      if (negated) this.fail('expected IN, BETWEEN or LIKE after NOT');
      return a;
    }
  }

  private additive(d: number): Node {
    let a = this.multiplicative(d);
    while (this.isOp('+', '-')) {
      const op = (this.tok as { v: string }).v as BinOp;
      this.pos++;
      a = { k: 'bin', op, a, b: this.multiplicative(d) };
    }
    return a;
  }

  private multiplicative(d: number): Node {
    let a = this.unary(d);
    for (;;) {
      let op: BinOp | undefined;
      if (this.isOp('*', '/', '%')) op = (this.tok as { v: string }).v as BinOp;
      else if (this.isWord('DIV')) op = 'DIV';
      else if (this.isWord('MOD')) op = '%';
      if (!op) return a;
      this.pos++;
      a = { k: 'bin', op, a, b: this.unary(d) };
    }
  }

  private unary(d: number): Node {
    if (this.isOp('-')) {
      this.pos++;
      return { k: 'neg', a: this.unary(this.depth(d)) };
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.unary(this.depth(d));
    }
    if (this.isOp('!')) {
      this.pos++;
      return { k: 'not', a: this.unary(this.depth(d)) };
    }
    return this.primary(d);
  }

  private primary(d: number): Node {
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
