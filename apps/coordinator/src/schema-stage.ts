import type { TaskState } from '@tidewater/proto';
import { selections, tableNaming, type TaskSpec } from '@tidewater/config';
import type { SourceClient } from '@tidewater/mysql-source';
import { subjects, type Bus } from '@tidewater/bus';
import { TidewaterError, type ErrorCode } from '@tidewater/errors';
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

/** Asks a sink to create the destination tables; retries until one answers. */
export async function migrateSchema(bus: Bus, taskId: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (signal.aborted) throw new TidewaterError('TW_TASK_STATE', 'coordinator stopping');
    try {
      const reply = await bus.nc.request(subjects.sinkSchema, JSON.stringify({ taskId }), { timeout: 30_000 });
      const r = JSON.parse(reply.string()) as { ok: boolean; error?: { code: ErrorCode; message: string; details: Record<string, unknown> } };
      if (r.ok) return;
      throw new TidewaterError(r.error?.code ?? 'TW_DEST_WRITE', r.error?.message ?? 'schema migration failed', r.error?.details ?? {});
    } catch (e) {
      if (e instanceof TidewaterError) throw e;
      // No sink answering yet (starting up): retry until the deadline.
      if (Date.now() > deadline) {
        throw new TidewaterError('TW_BUS_UNAVAILABLE', `no sink service answered schema migration for task ${taskId}`, {
          fix: 'start at least one sink service (tidewater up starts one)',
        });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
