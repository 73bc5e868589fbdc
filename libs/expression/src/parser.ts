import type { BinOp, ExprColumn, Expression, Node } from './ast.js';
import { invalid, tokenize } from './lexer.js';
import { TermParser } from './terms.js';
import { checkComparisons } from './check.js';

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

/** The operators between terms (terms.ts), by precedence. */
class Parser extends TermParser {
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
}
