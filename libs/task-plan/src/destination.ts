import type { ColumnDef, RowSet } from '@tidewater/proto';
import type { DestTable, TableOptions } from './dest-table.js';

/**
 * What the sink needs from a destination. Every implementation must make `commitChunk` and
 * `appendLog` atomic with their own bookkeeping (docs/architecture.md, invariants S1, S2):
 * that is what lets the sink acknowledge bus messages only after a durable write and still
 * never write a row twice on redelivery.
 */
export interface Destination {
  /** Schema migration; idempotent for the same task. */
  ensureTables(taskId: string, tables: readonly DestTable[], opts: TableOptions): Promise<void>;
  committedChunks(taskId: string): Promise<Set<string>>;
  /** Names (`schema.table`) among `names` that exist and were not created by this task. */
  foreignTables(taskId: string, names: readonly string[]): Promise<string[]>;
  /** False when the chunk was already committed (nothing written). */
  commitChunk(
    taskId: string,
    chunkId: string,
    table: DestTable,
    rowsets: readonly RowSet[],
    opts: TableOptions,
  ): Promise<boolean>;
  /** Rows written (rows at or below the table's checkpoint are skipped). */
  appendLog(table: DestTable, rs: RowSet, opts: TableOptions): Promise<number>;
  /** ADD COLUMN on `_base`/`_log` (and the merged view); idempotent. */
  addColumns(table: DestTable, added: readonly ColumnDef[], opts: TableOptions): Promise<void>;
  close(): Promise<void>;
}
