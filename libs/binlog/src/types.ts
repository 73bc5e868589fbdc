import type { BinlogPosition, TableRef } from '@tidewater/proto';
import type { CanonicalValue } from '@tidewater/rowcodec';

export type RowChangeKind = 'insert' | 'update' | 'delete';

/** Values in the order of the table's TableSchema columns, canonical form. */
export interface RowChange {
  before?: CanonicalValue[];
  after?: CanonicalValue[];
}

export interface RowsEvent {
  readonly table: TableRef;
  readonly kind: RowChangeKind;
  readonly rows: RowChange[];
  /** Binlog file holding the transaction. */
  readonly file: string;
  /**
   * Offset where the transaction starts (the end of the previous commit in `file`): with
   * `firstRowIndex` it places each row at a fixed binlog coordinate, the same on every read.
   */
  readonly txnStart: bigint;
  /** The position's epoch (BinlogPosition.epoch): it leads the record id (F1). */
  readonly epoch: number;
  /** Index within its transaction of this event's first row change. */
  readonly firstRowIndex: number;
  /** Event time, UTC epoch seconds. */
  readonly timestamp: number;
}

/**
 * Handlers are awaited one at a time, in binlog order: the next is not called before the
 * previous promise settles. That is the backpressure: a slow handler pauses the stream.
 */
export interface BinlogHandlers {
  onRows(e: RowsEvent): Promise<void> | void;
  /** A transaction committed; `position` is the resume point right after it. */
  onCommit(position: BinlogPosition, timestamp: number): Promise<void> | void;
  /** A DDL statement (any database); `position` is the resume point after it. */
  onDdl(database: string, statement: string, position: BinlogPosition, timestamp: number): Promise<void> | void;
  /** The position moved with no data (file rotation). */
  onIdle?(position: BinlogPosition, timestamp: number): Promise<void> | void;
  /**
   * The source's binlog heartbeat: nothing was written to the binlog since `position`, the
   * end of what the source has sent. Arrives about every second while the source is idle.
   */
  onHeartbeat?(position: BinlogPosition): Promise<void> | void;
  /** The stream failed; no handler is called after this. */
  onError(e: Error): void;
}

export interface BinlogReader {
  /** Streams from where `plan` says (planResume: a transaction boundary) for the given tables only. */
  start(
    plan: import('./resume-plan.js').ResumePlan,
    tables: readonly import('@tidewater/proto').TableSchema[],
    handlers: BinlogHandlers,
  ): Promise<void>;
  /** The table's schema after ADD COLUMN: later rows decode against it. */
  updateSchema(schema: import('@tidewater/proto').TableSchema): void;
  stop(): Promise<void>;
}
