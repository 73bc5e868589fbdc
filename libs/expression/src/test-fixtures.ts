import type { ExprColumn } from './index.js';

// The table the unit tests (expression.test.ts, hostile-input.test.ts) parse and evaluate over.

/** Columns of every type and collation the evaluator distinguishes. */
export const COLUMNS: ExprColumn[] = [
  { name: 'id', dataType: 'int' },
  { name: 'name', dataType: 'varchar', collation: 'utf8mb4_general_ci' },
  { name: 'code', dataType: 'varchar', collation: 'utf8mb4_bin' },
  { name: 'price', dataType: 'decimal' },
  { name: 'ratio', dataType: 'double' },
  { name: 'born', dataType: 'date' },
  { name: 'seen', dataType: 'datetime' },
  { name: 'order', dataType: 'int' },
  { name: 'ai', dataType: 'varchar', collation: 'utf8mb4_0900_ai_ci' },
  { name: 'cs', dataType: 'varchar', collation: 'utf8mb4_0900_as_cs' },
  { name: 'nb', dataType: 'varchar', collation: 'utf8mb4_0900_bin' },
  { name: 'uni', dataType: 'varchar', collation: 'utf8mb4_unicode_ci' },
  { name: 'st', dataType: 'enum' },
  { name: 't', dataType: 'time' },
];
