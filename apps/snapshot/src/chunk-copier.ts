import { context, trace, type Tracer } from '@opentelemetry/api';
import { Batch, SnapshotChunk, type RowSet, type TableSchema } from '@tidewater/proto';
import { BatchPublisher, HEADERS, messageIds, subjects, type JsMsg } from '@tidewater/bus';
import { RowSetBuilder, encodingOf } from '@tidewater/rowcodec';
import type { SourceClient } from '@tidewater/mysql-source';
import { countBatchRows, type Throttle } from '@tidewater/runtime';

/** Batches are cut at this encoded size (NATS messages are limited; streams accept 8 MiB). */
const MAX_BATCH_BYTES = 768 * 1024;

/** Renews the work item's ack deadline while a long chunk is being read. */
const WORKING_EVERY_MS = 5_000;

/**
 * Copies one chunk: reads its key range from the source and publishes it as batches
 * `seq = 0..n` of attempt `attempt`, the last flagged. The sink commits a chunk only when it
 * holds every batch of one attempt, so a copy that dies halfway leaves nothing behind and
 * the redelivered work item (attempt + 1) starts the chunk over.
 * `filterOf` renders the table's row filter from the task spec's parsed expression: SQL
 * never comes from the bus message itself (docs/expressions.md). `sinkPartitionOf` names the
 * sink partition to publish to directly, or undefined for transform (sink-route.ts).
 */
export async function copyChunk(
  tracer: Tracer,
  source: SourceClient,
  work: JsMsg,
  publisher: BatchPublisher,
  throttle: Throttle,
  filterOf: (schema: TableSchema) => string,
  sinkPartitionOf: (schema: TableSchema, chunkId: string) => number | undefined,
  signal: AbortSignal,
): Promise<bigint> {
  const chunk = SnapshotChunk.decode(work.data);
  const attempt = work.info.deliveryCount;
  const schema = chunk.schema!;
  const names = schema.columns.map((c) => c.name);
  const encodings = schema.columns.map((c) => encodingOf(c, `${schema.source!.database}.${schema.source!.table}`));
  const span = tracer.startSpan('snapshot.chunk', {
    attributes: { 'tidewater.task': chunk.taskId, 'tidewater.chunk': chunk.chunkId, 'tidewater.attempt': attempt },
  });
  const direct = sinkPartitionOf(schema, chunk.chunkId);
  const subject = direct === undefined ? subjects.sourceSnapshot(chunk.taskId) : subjects.sink(chunk.taskId, direct);
  const sourceKey = `${schema.source!.database}.${schema.source!.table}`;
  let seq = 0;
  let total = 0n;
  let held: RowSet | undefined;
  let lastTouch = Date.now();
  const publish = async (rows: RowSet, last: boolean) => {
    const batch: Batch = {
      taskId: chunk.taskId,
      origin: { $case: 'chunk', value: { chunkId: chunk.chunkId, attempt, seq, last, chunkRows: last ? total : 0n } },
      tables: [rows],
      schemaChanges: [],
      createdAtMs: BigInt(Date.now()),
      sourceTimeMs: 0n,
    };
    const data = Batch.encode(batch).finish();
    // Pacing here holds the source read loop too: the chunk query streams with backpressure.
    await throttle.admit({ rows: rows.rowCount, bytes: data.length }, signal);
    await context.with(trace.setSpan(context.active(), span), () =>
      publisher.publish(subject, data, {
        msgId: messageIds.snapshotPublish(chunk.chunkId, attempt, seq, direct !== undefined),
        headers: {
          [HEADERS.sourceTable]: sourceKey,
          [HEADERS.chunkId]: chunk.chunkId,
          [HEADERS.batchId]: messageIds.snapshotSinkBatch(chunk.chunkId, attempt, seq),
        },
      }),
    );
    countBatchRows(
      { task: chunk.taskId, stage: 'full', direction: 'read' },
      [{ rs: rows, rows: rows.rowCount }],
      data.length,
    );
    seq++;
  };
  try {
    await throttle.admit({ queries: 1 }, signal);
    for await (const rows of source.readChunk(
      schema,
      { lower: chunk.lower, upper: chunk.upper },
      { rowsPerBatch: chunk.rowsPerBatch, filterSql: filterOf(schema) || undefined, signal },
    )) {
      let b = new RowSetBuilder(schema.source!, names, encodings, schema.version);
      for (const r of rows) {
        // Wide rows: cut the batch by size too, well under the bus's message limit.
        if (b.byteSize >= MAX_BATCH_BYTES) {
          if (held) await publish(held, false);
          held = b.finish();
          b = new RowSetBuilder(schema.source!, names, encodings, schema.version);
        }
        b.add(r);
      }
      total += BigInt(rows.length);
      if (held) await publish(held, false);
      held = b.finish();
      if (Date.now() - lastTouch > WORKING_EVERY_MS) {
        work.working();
        lastTouch = Date.now();
      }
    }
    await publish(held ?? new RowSetBuilder(schema.source!, names, encodings, schema.version).finish(), true);
    await publisher.flush();
    span.setAttribute('tidewater.rows', Number(total));
    return total;
  } finally {
    span.end();
  }
}
