import { ChangeKind, type Batch, type BinlogPosition, type TableSchema } from '@tidewater/proto';
import { RowSetBuilder, encodingOf } from '@tidewater/rowcodec';
import { recordId, type RowsEvent } from '@tidewater/binlog';

/**
 * A batch is sent once its committed rows reach this encoded size: under NATS's default 1 MiB
 * max_payload with room for the protobuf envelope and headers, so a batch usually travels as one
 * message (a single larger transaction still goes whole, in fragments).
 */
export const BATCH_FLUSH_BYTES = 768 * 1024;

/** A batch with no rows (only a moved position) is sent at most this often. */
const IDLE_FLUSH_MS = 1_000;

interface TableState {
  readonly schema: TableSchema;
  readonly names: string[];
  readonly encodings: ReturnType<typeof encodingOf>[];
}

/**
 * Groups whole transactions into batches. Rows of an open transaction are staged apart and
 * join the batch only at its commit, so a batch never ends inside a transaction and its
 * end position is always a valid resume point (checkpoints at transaction boundaries only).
 */
export class TransactionBatcher {
  private readonly tables = new Map<string, TableState>();
  private staged: { ev: RowsEvent; ids: bigint[] }[] = [];
  private builders = new Map<string, RowSetBuilder>();
  private rows = 0;
  private start: BinlogPosition | undefined;
  private end: BinlogPosition | undefined;
  private lastRecordId = -1n;
  private firstCommitAt = 0;
  private heartbeatMs = 0n;

  constructor(
    private readonly taskId: string,
    schemas: readonly TableSchema[],
  ) {
    for (const s of schemas) this.setSchema(s);
  }

  setSchema(schema: TableSchema): void {
    const key = `${schema.source!.database}.${schema.source!.table}`;
    this.tables.set(key, {
      schema,
      names: schema.columns.map((c) => c.name),
      encodings: schema.columns.map((c) => encodingOf(c, key)),
    });
  }

  /** Rows of the open transaction. */
  stage(ev: RowsEvent): void {
    this.staged.push({
      ev,
      ids: ev.rows.map((_, i) => recordId(ev.file, ev.txnStart, ev.firstRowIndex + i, ev.epoch)),
    });
  }

  /** The open transaction committed at `position`: its rows join the batch. */
  commit(position: BinlogPosition): void {
    for (const { ev, ids } of this.staged) {
      const key = `${ev.table.database}.${ev.table.table}`;
      const t = this.tables.get(key);
      if (!t) continue;
      let b = this.builders.get(key);
      if (!b) {
        b = new RowSetBuilder(t.schema.source!, t.names, t.encodings, t.schema.version);
        this.builders.set(key, b);
      }
      const ts = BigInt(ev.timestamp);
      ev.rows.forEach((row, i) => {
        const id = ids[i]!;
        if (ev.kind === 'insert') b.addChange(ChangeKind.CHANGE_KIND_INSERT, id, ts, row.after!);
        else if (ev.kind === 'delete') b.addChange(ChangeKind.CHANGE_KIND_DELETE, id, ts, row.before!);
        else {
          b.addChange(ChangeKind.CHANGE_KIND_UPDATE_BEFORE, id, ts, row.before!);
          b.addChange(ChangeKind.CHANGE_KIND_UPDATE_AFTER, id, ts, row.after!);
        }
        if (id > this.lastRecordId) this.lastRecordId = id;
        this.rows++;
      });
    }
    this.staged = [];
    this.start ??= this.end ?? position;
    this.end = position;
    if (!this.firstCommitAt) this.firstCommitAt = Date.now();
  }

  /** The newest position handed to the batcher (committed or advanced), sent or not. */
  get position(): BinlogPosition | undefined {
    return this.end;
  }

  /** A heartbeat row written at `sourceMs` (source clock) is in the open transaction. */
  heartbeat(sourceMs: bigint): void {
    if (sourceMs > this.heartbeatMs) this.heartbeatMs = sourceMs;
  }

  /** A heartbeat waits: send without the idle delay, it is what measures lag. */
  get hasHeartbeat(): boolean {
    return this.heartbeatMs > 0n;
  }

  /** Position moved without rows (heartbeat, other tables' transactions). */
  advance(position: BinlogPosition): void {
    if (this.staged.length) return;
    this.start ??= this.end ?? position;
    this.end = position;
    if (!this.firstCommitAt) this.firstCommitAt = Date.now();
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Approximate encoded size of the committed rows waiting to be sent. */
  get byteSize(): number {
    let n = 0;
    for (const b of this.builders.values()) n += b.byteSize;
    return n;
  }

  /** Milliseconds since the oldest unsent commit; 0 when nothing waits. */
  age(): number {
    return this.firstCommitAt ? Date.now() - this.firstCommitAt : 0;
  }

  get hasPending(): boolean {
    return this.end !== undefined && this.firstCommitAt !== 0;
  }

  /** After a commit: whole transactions only, sent at `batchRows` rows or BATCH_FLUSH_BYTES. */
  isFull(batchRows: number): boolean {
    return this.rows >= batchRows || this.byteSize >= BATCH_FLUSH_BYTES;
  }

  /**
   * Whether a flush sends now. A forced one sends whatever waits; a timed one holds a batch
   * that only moves the position (no rows, no heartbeat) until IDLE_FLUSH_MS.
   */
  shouldSend(force: boolean): boolean {
    if (!this.hasPending) return false;
    return force || this.rows > 0 || this.hasHeartbeat || this.age() >= IDLE_FLUSH_MS;
  }

  /** Takes the batch of all committed transactions so far. */
  take(): Batch | undefined {
    if (!this.end || !this.firstCommitAt) return undefined;
    const batch: Batch = {
      taskId: this.taskId,
      origin: { $case: 'binlog', value: { start: this.start, end: this.end, lastRecordId: this.lastRecordId } },
      tables: [...this.builders.values()].map((b) => b.finish()),
      schemaChanges: [],
      createdAtMs: BigInt(Date.now()),
      sourceTimeMs: this.heartbeatMs,
    };
    this.heartbeatMs = 0n;
    this.builders = new Map();
    this.rows = 0;
    this.start = this.end;
    this.firstCommitAt = 0;
    return batch;
  }
}
