import type { TaskState } from '@tidewater/proto';
import type { DestTable } from '@tidewater/duckdb-sink';

/** Sink partitions per task: tables hash onto them, each partition is one ordered consumer. */
export const SINK_PARTITIONS = 4;

/** FNV-1a of the destination table: a table always lands on the same partition (keeps its log in order). */
export function sinkPartition(destKey: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < destKey.length; i++) {
    h ^= destKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SINK_PARTITIONS;
}

/** The destination table families of a task, from the schemas the coordinator recorded. */
export function destTables(state: TaskState): DestTable[] {
  return state.tables
    .filter((t) => t.schema && t.source)
    .map((t) => ({
      source: t.source!,
      schema: t.destSchema,
      stem: t.destTable,
      columns: t.schema!.columns,
      keyColumns: t.schema!.keyColumns,
      version: t.schema!.version,
    }));
}
