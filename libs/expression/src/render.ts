import type { Expression, Node } from './ast.js';

/**
 * MySQL text of a parsed expression, for the snapshot query. Produced from the tree only —
 * never from the user's text — with every operation parenthesized (precedence cannot change
 * meaning), identifiers backquoted and strings re-quoted with backslash escapes: the snapshot
 * session clears NO_BACKSLASH_ESCAPES from its sql_mode (libs/mysql-source/src/connection.ts).
 */
export function renderSql(expr: Expression): string {
  return render(expr.ast);
}

const quoteIdent = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const quoteString = (s: string) =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\x1a/g, '\\Z')}'`;

function render(n: Node): string {
  switch (n.k) {
    case 'null':
      return 'NULL';
    case 'int':
      return n.v < 0n ? `(${n.v})` : n.v.toString();
    case 'dec':
      return n.text;
    case 'float':
      return n.text;
    case 'str':
      return quoteString(n.v);
    case 'hex':
      return `X'${Buffer.from(n.v).toString('hex').toUpperCase()}'`;
    case 'col':
      return quoteIdent(n.name);
    case 'neg':
      return `(-${render(n.a)})`;
    case 'not':
      return `(NOT ${render(n.a)})`;
    case 'bin':
      return `(${render(n.a)} ${n.op} ${render(n.b)})`;
    case 'is':
      return `(${render(n.a)} IS ${n.not ? 'NOT ' : ''}${n.what})`;
    case 'in':
      return `(${render(n.a)} ${n.not ? 'NOT ' : ''}IN (${n.list.map(render).join(', ')}))`;
    case 'between':
      return `(${render(n.a)} ${n.not ? 'NOT ' : ''}BETWEEN ${render(n.lo)} AND ${render(n.hi)})`;
    case 'like':
      return `(${render(n.a)} ${n.not ? 'NOT ' : ''}LIKE ${render(n.pattern)}${n.escape === '\\' ? '' : ` ESCAPE ${quoteString(n.escape)}`})`;
    case 'case':
      return `(CASE${n.subject ? ` ${render(n.subject)}` : ''}${n.whens.map(([w, t]) => ` WHEN ${render(w)} THEN ${render(t)}`).join('')}${n.otherwise ? ` ELSE ${render(n.otherwise)}` : ''} END)`;
    case 'fn':
      return `${n.name}(${n.args.map(render).join(', ')})`;
  }
}
