import type { Node } from './ast.js';
import { invalid, type Token } from './lexer.js';

const MAX_DEPTH = 64;

/** Words that start or join statements: never part of an expression we accept. */
export const STATEMENT_WORDS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'DROP',
  'CREATE',
  'ALTER',
  'TRUNCATE',
  'RENAME',
  'GRANT',
  'REVOKE',
  'UNION',
  'FROM',
  'INTO',
  'EXISTS',
  'CALL',
  'DO',
  'HANDLER',
  'LOAD',
  'LOCK',
  'UNLOCK',
  'SET',
  'SHOW',
  'USE',
  'EXECUTE',
  'PREPARE',
  'DEALLOCATE',
  'KILL',
  'SHUTDOWN',
  'WITH',
  'LIMIT',
  'ORDER',
  'GROUP',
  'HAVING',
  'WHERE',
  'JOIN',
  'OUTFILE',
  'DUMPFILE',
  'SOUNDS',
  'REGEXP',
  'RLIKE',
  'COLLATE',
  'BINARY',
  'INTERVAL',
  'ANY',
  'ALL',
  'SOME',
  'MATCH',
  'AGAINST',
  'OVER',
  'WINDOW',
]);

/** Moving over an expression's tokens, and its errors: what the grammar (parser.ts) stands on. */
export abstract class TokenCursor {
  protected pos = 0;

  constructor(
    protected readonly tokens: Token[],
    protected readonly what: string,
  ) {}

  protected get tok(): Token {
    return this.tokens[this.pos]!;
  }

  protected word(): string | undefined {
    const t = this.tok;
    return t.t === 'word' && !t.quoted ? t.v.toUpperCase() : undefined;
  }

  protected isWord(...ws: string[]): boolean {
    const w = this.word();
    return w !== undefined && ws.includes(w);
  }

  protected isOp(...ops: string[]): boolean {
    const t = this.tok;
    return t.t === 'op' && ops.includes(t.v);
  }

  protected fail(message: string, at = this.tok.at): never {
    throw invalid(this.what, `${message} at offset ${at}`);
  }

  protected describe(t: Token): string {
    switch (t.t) {
      case 'end':
        return 'end of input';
      case 'num':
        return `'${t.text}'`;
      case 'str':
        return 'a string';
      case 'hex':
        return 'a hex literal';
      case 'word':
        return `'${t.v}'`;
      case 'op':
        return `'${t.v}'`;
    }
  }

  protected expect(op: string): void {
    if (!this.isOp(op)) this.fail(`expected '${op}' but found ${this.describe(this.tok)}`);
    this.pos++;
  }

  protected expectWord(w: string): void {
    if (!this.isWord(w)) this.fail(`expected ${w} but found ${this.describe(this.tok)}`);
    this.pos++;
  }

  expectEnd(): void {
    if (this.tok.t !== 'end') {
      const w = this.word();
      if (w && STATEMENT_WORDS.has(w)) this.statementWord(w);
      this.fail(`unexpected ${this.describe(this.tok)} after the expression`);
    }
  }

  protected statementWord(w: string): never {
    this.fail(
      `${w} is not allowed: only a single expression over the table's columns (no statements, subqueries, or clauses)`,
    );
  }

  protected depth(d: number): number {
    if (d > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    return d + 1;
  }

  protected peekWord(ahead: number, ...ws: string[]): boolean {
    const t = this.tokens[this.pos + ahead];
    return t !== undefined && t.t === 'word' && !t.quoted && ws.includes(t.v.toUpperCase());
  }

  protected advance(n: Node): Node {
    this.pos++;
    return n;
  }
}
