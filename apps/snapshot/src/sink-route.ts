import type { TableSchema, TaskState } from '@tidewater/proto';
import { specOf } from '@tidewater/task-state';
import { chunkPartition, rowsPassUnchanged, sinkPartitionsOf } from '@tidewater/task-plan';

/**
 * The sink partition a chunk's batches are published to directly, or undefined to publish
 * them to transform. Transform would forward the batches of a table whose rows it leaves
 * unchanged (rowsPassUnchanged) byte for byte, to the partition of the chunk, under the id
 * `c:<chunk>:<attempt>:<seq>` (apps/transform/src/route-batch.ts `passThroughPartition`,
 * `messageIds.forwardedSnapshotBatch`). Publishing them there from here stores the same
 * message in the same place and spares every batch a trip through NATS and transform: on
 * a shared machine that trip costs about as much CPU as the whole sink. Either path yields
 * one stored copy (D1: JetStream drops a second publish of the id).
 */
export function directSinkPartition(state: TaskState, schema: TableSchema, chunkId: string): number | undefined {
  const src = schema.source;
  const table = state.tables.find((t) => t.source?.database === src?.database && t.source?.table === src?.table);
  if (!table) return undefined; // transform reports the unknown table
  const spec = specOf(state);
  // An expression that does not parse fails in transform, which reports it with its fix.
  const unchanged = (() => {
    try {
      return rowsPassUnchanged(spec, schema);
    } catch {
      return false;
    }
  })();
  return unchanged ? chunkPartition(table.destSchema, table.destTable, chunkId, sinkPartitionsOf(spec)) : undefined;
}
