export type { ExprColumn, Expression } from './ast.js';
export { parseExpression } from './parser.js';
export { renderSql } from './render.js';
export { compileFilter, compileValue, type RowGetter, type RowValue } from './evaluate.js';
export { toRowValue, type TargetColumn } from './convert.js';
