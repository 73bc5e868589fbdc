import type { Batch, BinlogPosition, TableRef, TableSchema } from '@tidewater/proto';
import type { BinlogReader } from '@tidewater/binlog';
import type { SourceClient } from '@tidewater/mysql-source';
import type { Logger } from '@tidewater/telemetry';
import { appendedColumnNames, schemaAfterAddColumn } from './add-column.js';
import { ddlTarget } from './ddl-filter.js';
import type { BatchSender } from './batch-sender.js';
import type { TransactionBatcher } from './transaction-batcher.js';

/** What a DDL statement meets while one binlog reader runs. */
export interface DdlContext {
  /** Where the live schema an ADD COLUMN is checked against is read. */
  readonly source: SourceClient;
  readonly batcher: TransactionBatcher;
  readonly reader: BinlogReader;
  readonly sender: BatchSender;
}

/** Followed (capture goes on), or a DDL on a migrated table that capture cannot follow: the task pauses. */
export type DdlOutcome = { followed: true } | { followed: false; target: TableRef; reason: string };

/**
 * The schemas of the migrated tables along the binlog, and the one DDL capture follows: ADD
 * COLUMN at the end of a table, carried to the sink as a schema change and then decoded with.
 */
export class SchemaEvolution {
  constructor(
    private current: TableSchema[],
    private readonly taskId: string,
    private readonly log: Logger,
  ) {}

  /** The schemas valid at the position the stream has reached. */
  get schemas(): TableSchema[] {
    return this.current;
  }

  /** Resuming from a checkpoint: the schemas saved with it are the ones valid there (an ADD COLUMN saves them together). */
  resumeAt(saved: TableSchema[]): void {
    if (saved.length) this.current = saved;
  }

  async onDdl(database: string, statement: string, pos: BinlogPosition, s: DdlContext): Promise<DdlOutcome> {
    const target = ddlTarget(
      database,
      statement,
      this.current.map((t) => t.source!),
    );
    if (!target) {
      s.batcher.advance(pos);
      return { followed: true };
    }
    const outcome = await this.applyAddColumn(target, statement, pos, s);
    if (outcome.applied) return { followed: true };
    await s.sender.flush(true);
    this.log.warn('DDL on a migrated table: pausing task', {
      task: this.taskId,
      table: `${target.database}.${target.table}`,
      statement,
      reason: outcome.reason,
    });
    return { followed: false, target, reason: outcome.reason };
  }

  /**
   * ADD COLUMN at the end of a migrated table: carried to the sink, then decoded with.
   * The new schema is the one valid at this binlog position (see schemaAfterAddColumn),
   * never simply the live one: later statements may already have run on the source.
   * Not applied: the task pauses, with `reason` when the statement alone does not say why.
   */
  private async applyAddColumn(
    target: TableRef,
    statement: string,
    pos: BinlogPosition,
    s: DdlContext,
  ): Promise<{ applied: true } | { applied: false; reason: string }> {
    const names = appendedColumnNames(statement);
    if (!names) return { applied: false, reason: '' };
    const prev = this.current.find((t) => t.source!.database === target.database && t.source!.table === target.table)!;
    const [live] = await s.source.readSchemas([{ database: target.database, tables: [target.table] }]);
    const derived = live && schemaAfterAddColumn(prev, names, live);
    if (!derived) {
      const now = live ? live.columns.map((c) => c.name).join(', ') : 'no such table';
      return {
        applied: false,
        reason: `its columns are no longer where this binlog position puts them on the source (after ${prev.columns.map((c) => c.name).join(', ')}; the table now has ${now}): a later statement changed ${target.database}.${target.table} other than by appending columns`,
      };
    }
    const { next, added } = derived;
    if (!added.length) {
      s.batcher.advance(pos);
      return { applied: true };
    }
    // The rows before the statement go out with the schemas valid before it.
    await s.sender.flush(true);
    const change: Batch = {
      taskId: this.taskId,
      origin: { $case: 'binlog', value: { start: pos, end: pos, lastRecordId: -1n } },
      tables: [],
      schemaChanges: [{ table: target, statement, addedColumns: added, newSchema: next, reason: '' }],
      createdAtMs: BigInt(Date.now()),
      sourceTimeMs: 0n,
    };
    this.current = this.current.map((t) => (t === prev ? next : t));
    s.batcher.setSchema(next);
    s.reader.updateSchema(next);
    await s.sender.sendSchemaChange(change, pos);
    this.log.info('ADD COLUMN applied', {
      task: this.taskId,
      table: `${target.database}.${target.table}`,
      columns: added.map((c) => c.name),
    });
    return { applied: true };
  }
}
