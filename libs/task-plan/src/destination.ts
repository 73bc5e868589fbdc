import type { ColumnDef, RowSet } from '@tidewater/proto';
import type { DestTable, TableOptions } from './dest-table.js';

/**
 * The sink instance writing one sink partition of a task, as fenced by its lease
 * (docs/architecture.md, invariant P3): `epoch` strictly increases each time the partition's
 * lease changes hands, and a destination refuses a write under an epoch older than the newest
 * it has recorded for the partition (`TW_PARTITION_LOST`), in the same transaction as the rows.
 * So a sink that lost its lease without knowing it can never write after its successor did.
 */
export interface PartitionWriter {
  /** The task incarnation owning destination bookkeeping (taskOwner). */
  readonly taskId: string;
  readonly partition: number;
  readonly epoch: number;
  /** The sink instance (recorded with the fence, for audit). */
  readonly sinkId: string;
}

/**
 * What the sink needs from a destination. Every implementation must make `commitChunk` and
 * `appendLog` atomic with their own bookkeeping (docs/architecture.md, invariants S1, S2, P3):
 * that is what lets the sink acknowledge bus messages only after a durable write and still
 * never write a row twice on redelivery or after a partition changed owner.
 */
export interface Destination {
  /** Schema migration; idempotent for the same task. */
  ensureTables(taskId: string, tables: readonly DestTable[], opts: TableOptions): Promise<void>;
  committedChunks(taskId: string): Promise<Set<string>>;
  /** Names (`schema.table`) among `names` that exist and were not created by this task. */
  foreignTables(taskId: string, names: readonly string[]): Promise<string[]>;
  /** What is open, for the precheck: `host:port/db as user, PostgreSQL 16.4`, or the file and DuckDB version; never a password. */
  describe(): Promise<string>;
  /**
   * False when the chunk was already committed (nothing written). S1, P3. `generation` > 0
   * (a resync chunk, R1): the rows go to that generation's staging table, `_base` is untouched.
   */
  commitChunk(
    writer: PartitionWriter,
    chunkId: string,
    table: DestTable,
    rowsets: readonly RowSet[],
    opts: TableOptions,
    generation?: number,
  ): Promise<boolean>;
  /**
   * R1, in ONE transaction: `_base`'s rows become the generation's staging rows, `watermark`
   * (a record id) is recorded for the table so `_merged` leaves `_log` rows below it out, and
   * the staging table is dropped. A generation already completed is a no-op (requests repeat).
   */
  completeResync(
    taskId: string,
    table: DestTable,
    generation: number,
    watermark: bigint,
    opts: TableOptions,
  ): Promise<void>;
  /**
   * Rows written. S2: the checkpoint is per (`_log` table, sink partition), since rows of one
   * table reach several partitions and each partition commits in its own record-id order;
   * rows at or below the partition's checkpoint are skipped. P3 as above.
   */
  appendLog(writer: PartitionWriter, table: DestTable, rs: RowSet, opts: TableOptions): Promise<number>;
  /** ADD COLUMN on `_base`/`_log` (and the merged view); idempotent, safe when several sinks race. */
  addColumns(table: DestTable, added: readonly ColumnDef[], opts: TableOptions): Promise<void>;
  close(): Promise<void>;
}
