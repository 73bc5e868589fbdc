import type { TableSchema } from '@tidewater/proto';
import { tableNaming, type TaskSpec } from '@tidewater/config';
import { parseExpression, renderSql, type ExprColumn, type Expression } from '@tidewater/expression';
import { TidewaterError } from '@tidewater/errors';

/** A table's row filter and ETL, parsed and checked against its source columns. */
export interface TableExpressions {
  /** Row filter (`filter:`): pushed into the snapshot query, evaluated on change rows. */
  readonly filter?: Expression;
  /** ETL `where`: evaluated in transform on every row. */
  readonly where?: Expression;
  /** ETL `set`: source column (as the table names it) → its new value. */
  readonly set: ReadonlyMap<string, Expression>;
  /** ETL `add`: computed column name → value. */
  readonly add: ReadonlyMap<string, Expression>;
  /** ETL `drop`: source column names as the table names them. */
  readonly drop: ReadonlySet<string>;
}

export function exprColumns(schema: TableSchema): ExprColumn[] {
  return schema.columns.map((c) => ({ name: c.name, dataType: c.dataType, collation: c.collation }));
}

/**
 * Parses every expression of a table's spec entry against its schema. Throws
 * TW_EXPRESSION_INVALID / TW_SPEC_INVALID naming the table, the key and the fix.
 */
export function tableExpressions(spec: TaskSpec, schema: TableSchema): TableExpressions {
  const src = schema.source!;
  const where = `${src.database}.${src.table}`;
  const t = tableNaming(spec, src.database, src.table).spec;
  const cols = exprColumns(schema);
  const column = (name: string, key: string): string => {
    const c = schema.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!c)
      throw new TidewaterError(
        'TW_SPEC_INVALID',
        `${key} of ${where} names column ${name}, which the table does not have`,
        { subject: where, fix: `use one of ${schema.columns.map((x) => x.name).join(', ')}` },
      );
    return c.name;
  };
  for (const src of Object.keys(t?.columns ?? {})) column(src, 'columns');
  const etl = t?.etl;
  const set = new Map<string, Expression>();
  for (const [name, text] of Object.entries(etl?.set ?? {})) {
    const c = column(name, 'etl.set');
    if (schema.keyColumns.includes(c)) {
      throw new TidewaterError(
        'TW_SPEC_INVALID',
        `etl.set of ${where} changes key column ${c}: rows could not be merged`,
        { subject: where, fix: `leave ${c} as it is; add a computed column instead` },
      );
    }
    set.set(c, parseExpression(text, cols, `etl.set.${name} of ${where}`));
  }
  return {
    filter: t?.filter === undefined ? undefined : parseExpression(t.filter, cols, `filter of ${where}`),
    where: etl?.where === undefined ? undefined : parseExpression(etl.where, cols, `etl.where of ${where}`),
    set,
    add: new Map((etl?.add ?? []).map((a) => [a.name, parseExpression(a.expr, cols, `etl.add.${a.name} of ${where}`)])),
    drop: new Set((etl?.drop ?? []).map((d) => column(d, 'etl.drop'))),
  };
}

/** The filter as SQL for the snapshot query ('' without one): rendered from the parse tree. */
export function filterSql(spec: TaskSpec, schema: TableSchema): string {
  const f = tableExpressions(spec, schema).filter;
  return f ? renderSql(f) : '';
}

/**
 * True when transform leaves the table's rows as they are: no column renamed, no filter, no
 * ETL. Its snapshot batches then reach the sink as the snapshot encoded them; the one rule
 * both the transform's plan (`identity`) and the snapshot's direct routing follow.
 */
export function rowsPassUnchanged(spec: TaskSpec, schema: TableSchema): boolean {
  const src = schema.source!;
  const naming = tableNaming(spec, src.database, src.table);
  const ex = tableExpressions(spec, schema);
  const renamed = schema.columns.some((c) => naming.column(c.name) !== c.name);
  const rowWork = Boolean(ex.filter || ex.where || ex.set.size || ex.add.size);
  return !renamed && !rowWork && ex.drop.size === 0;
}
