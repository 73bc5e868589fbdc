import type { TableProgress, TableRef, TableSchema, TaskState } from '@tidewater/proto';
import { tableNaming, type TaskSpec } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';
import type { DestTable } from './dest-table.js';
import { computedColumnDef } from './computed-column.js';

/**
 * The destination table families of a task, from the schemas the coordinator recorded.
 * `spec` is the task's opened spec (task-state `specOf`): the plan never reads secrets.
 */
export function destTables(state: TaskState, spec: TaskSpec): DestTable[] {
  return state.tables.filter((t) => t.schema && t.source).map((t) => destTableOf(spec, t, t.schema!));
}

/**
 * A source table's destination shape under the spec's mapping: renamed columns (name
 * mapping, capitalization), ETL-dropped columns left out, ETL-computed columns appended.
 * Transform produces rows in exactly this naming, so the sink matches columns by name.
 */
export function destTableOf(
  spec: TaskSpec,
  t: Pick<TableProgress, 'destSchema' | 'destTable'> & { source?: TableRef },
  schema: TableSchema,
): DestTable {
  const source = t.source ?? schema.source!;
  const naming = tableNaming(spec, source.database, source.table);
  const etl = naming.spec?.etl;
  const where = `${source.database}.${source.table}`;
  const dropped = new Set((etl?.drop ?? []).map((c) => c.toLowerCase()));
  const dropsKey = schema.keyColumns.find((k) => dropped.has(k.toLowerCase()));
  if (dropsKey) {
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `etl of ${where} drops key column ${dropsKey}: rows could not be merged`,
      { subject: where, fix: `keep ${dropsKey}; rename it with columns: instead` },
    );
  }
  const columns = [
    ...schema.columns
      .filter((c) => !dropped.has(c.name.toLowerCase()))
      .map((c) => ({ ...c, name: naming.column(c.name) })),
    ...(etl?.add ?? []).map((c) => computedColumnDef(c, where)),
  ];
  const names = columns.map((c) => c.name.toLowerCase());
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash)
    throw new TidewaterError('TW_SPEC_INVALID', `${where}: two destination columns are named ${clash}`, {
      subject: where,
      fix: 'rename one of them (columns: or the computed column name)',
    });
  return {
    source,
    schema: t.destSchema,
    stem: t.destTable,
    columns,
    keyColumns: schema.keyColumns.map((k) => naming.column(k)),
    version: schema.version,
  };
}
