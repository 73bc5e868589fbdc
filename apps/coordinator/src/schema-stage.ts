import type { TaskState } from '@tidewater/proto';
import { selections, tableNaming, type TaskSpec } from '@tidewater/config';
import type { SourceClient } from '@tidewater/mysql-source';
import { destTableOf, tableExpressions } from '@tidewater/task-plan';

/** Reads the selected tables' schemas and estimated sizes into the task's table list. */
export async function readTables(source: SourceClient, spec: TaskSpec, state: TaskState): Promise<TaskState> {
  const schemas = await source.readSchemas(selections(spec));
  const tables = [];
  for (const schema of schemas) {
    const src = schema.source!;
    const naming = tableNaming(spec, src.database, src.table);
    tables.push({
      source: src,
      destSchema: naming.schema,
      destTable: naming.stem,
      estimatedRows: await source.estimateRows(src),
      rowsDone: 0n,
      chunksTotal: 0,
      chunksDone: 0,
      schema,
      doneChunks: [],
      chunks: [],
      workPublished: false,
    });
  }
  // Every name mapping, filter and ETL expression must hold against the real columns
  // before anything is created: a bad one fails the task here, naming table and key.
  for (const t of tables) {
    destTableOf(spec, t, t.schema);
    tableExpressions(spec, t.schema);
  }
  return { ...state, tables };
}
