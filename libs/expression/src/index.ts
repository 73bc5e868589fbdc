export type { ExprColumn, Expression } from './ast.js';
export { parseExpression } from './parser.js';
export { renderSql } from './render.js';
export { compileFilter, compileValue } from './evaluate.js';
export type { RowGetter, RowValue } from './row-reader.js';
export { toRowValue, type TargetColumn } from './convert.js';
