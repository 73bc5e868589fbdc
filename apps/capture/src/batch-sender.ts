import { context, trace } from '@opentelemetry/api';
import { Batch, type BinlogPosition, type TableSchema } from '@tidewater/proto';
import { messageIds, subjects, type BatchPublisher } from '@tidewater/bus';
import type { CheckpointStore } from '@tidewater/binlog';
import { countBatchRows, type ServiceContext, type Throttle } from '@tidewater/runtime';
import type { FaultReporter } from '@tidewater/task-state';
import type { TransactionBatcher } from './transaction-batcher.js';
import { onBus } from './bus-reports.js';

/**
 * The publishing end of one binlog reader: sends what the batcher holds and saves the
 * checkpoint only after JetStream stored the batch reaching it (invariant C1).
 */
export class BatchSender {
  private readonly publisher: BatchPublisher;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly taskId: string,
    private readonly batcher: TransactionBatcher,
    private readonly checkpoints: CheckpointStore,
    private readonly throttle: Throttle,
    private readonly faults: FaultReporter,
    private readonly signal: AbortSignal,
    /** The schemas valid at the batcher's position, saved with each checkpoint. */
    private readonly schemas: () => TableSchema[],
  ) {
    this.publisher = ctx.bus.publisher(16);
  }

  /** Sends the committed transactions waiting, when the batcher's policy says so (always if `force`). */
  async flush(force: boolean): Promise<void> {
    if (!this.batcher.shouldSend(force)) return;
    const batch = this.batcher.take()!;
    const origin = batch.origin?.$case === 'binlog' ? batch.origin.value : undefined;
    const data = Batch.encode(batch).finish();
    const rows = batch.tables.reduce((n, t) => n + t.rowCount, 0);
    await this.throttle.admit({ rows, bytes: data.length }, this.signal);
    // The batch's trace starts here and follows it through transform and sink (NATS headers).
    const span = this.ctx.tracer.startSpan('capture.batch', {
      attributes: {
        'tidewater.task': this.taskId,
        'tidewater.rows': rows,
        'tidewater.position': origin?.end?.token ?? '',
      },
    });
    try {
      await context.with(trace.setSpan(context.active(), span), () =>
        this.publisher.publish(subjects.sourceBinlog(this.taskId), data, {
          msgId: messageIds.binlogBatch(origin?.end?.token, origin?.lastRecordId),
        }),
      );
    } finally {
      span.end();
    }
    await this.publisher.flush();
    countBatchRows(
      { task: this.taskId, stage: 'incremental', direction: 'read' },
      batch.tables.map((rs) => ({ rs, rows: rs.rowCount })),
      data.length,
    );
    await this.saveCheckpoint(origin!.end!);
    this.faults.recovered();
  }

  /** A schema change at `pos` (after the batch before it was sent): stored, then the checkpoint moves past it. */
  async sendSchemaChange(change: Batch, pos: BinlogPosition): Promise<void> {
    await this.publisher.publish(subjects.sourceBinlog(this.taskId), Batch.encode(change).finish(), {
      msgId: messageIds.addColumnBatch(pos.token),
    });
    await this.publisher.flush();
    await this.saveCheckpoint(pos);
  }

  private async saveCheckpoint(pos: BinlogPosition): Promise<void> {
    await onBus('saving the capture checkpoint', this.checkpoints.save(this.taskId, pos, this.schemas()));
  }
}
