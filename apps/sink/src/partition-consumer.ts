import { consumerSpecs, messageIds, publishProgress, type Bus, type JsMsg } from '@tidewater/bus';
import { Batch, Progress, peekChunkRef, type RowSet, type SchemaChange } from '@tidewater/proto';
import { countBatchRows, tableLabel, type WorkerContext } from '@tidewater/runtime';
import { metrics } from '@tidewater/telemetry';
import { TidewaterError } from '@tidewater/errors';
import {
  destTableOf,
  type DestTable,
  type Destination,
  type PartitionWriter,
  type TableOptions,
} from '@tidewater/task-plan';
import type { TaskSpec } from '@tidewater/config';
import { ChunkAssembler } from './chunk-assembler.js';

export interface PartitionContext {
  readonly bus: Bus;
  /** The task's sink worker: its fault reporting and trace spans. */
  readonly worker: WorkerContext;
  readonly taskId: string;
  /** The task incarnation owning destination bookkeeping (taskOwner). */
  readonly owner: string;
  readonly partition: number;
  /** This instance's claim on the partition (P3): every write carries it. */
  readonly writer: PartitionWriter;
  readonly dest: Destination;
  readonly opts: TableOptions;
  readonly spec: TaskSpec;
  readonly committed: Set<string>;
  /** Destination table by source `db.table`, from the task state. */
  readonly tables: () => ReadonlyMap<string, DestTable>;
  /** Tables changed by an ADD COLUMN this process applied, until the task state has them. */
  readonly altered: Map<string, DestTable>;
  /** The destination refused a write under this lease (P3): another sink owns the partition now. */
  readonly lost: (e: TidewaterError) => void;
}

/**
 * Consumes one sink partition in stream order. Snapshot batches are assembled into whole
 * chunks and committed atomically; change batches are appended to `_log` per table.
 * A message is acknowledged only after its rows are committed (invariant A1).
 */
export async function runPartition(ctx: PartitionContext, signal: AbortSignal): Promise<void> {
  const spec = consumerSpecs.sink(ctx.taskId, ctx.partition, ctx.writer.epoch);
  await ctx.bus.ensureConsumer(spec);
  const assembler = new ChunkAssembler();
  // Held chunk batches: `touch` renews their ack deadline well before it lapses.
  const keepAlive = setInterval(() => assembler.touch(), spec.ackWaitMs / 3);
  try {
    await ctx.bus.consume(
      spec,
      {
        signal,
        ...ctx.worker.retries('sink batch failed; will retry', `partition-${ctx.partition}`, {
          partition: ctx.partition,
        }),
      },
      (msg) =>
        handle(ctx, assembler, msg).catch((e: unknown) => {
          if (!(e instanceof TidewaterError && e.code === 'TW_PARTITION_LOST')) throw e;
          // Not a fault: a newer owner wrote, this one stops quietly and gives the lease up.
          msg.nak();
          ctx.lost(e);
          return 'keep' as const;
        }),
    );
  } finally {
    clearInterval(keepAlive);
    // Held chunk batches go back at once; the next owner's fresh consumer re-reads them anyway.
    assembler.releaseAll();
  }
}

async function handle(ctx: PartitionContext, assembler: ChunkAssembler, msg: JsMsg): Promise<'ack' | 'keep'> {
  // A snapshot batch is decoded only once its chunk is complete (ChunkAssembler).
  const ref = peekChunkRef(msg.data);
  return ctx.worker.traced('sink.batch', msg.headers, { 'tidewater.partition': ctx.partition }, async (span) => {
    if (ref) {
      if (ctx.committed.has(ref.chunkId)) {
        // Redelivered after the commit: re-report (the report may be what was lost).
        if (ref.last) await reportChunk(ctx, ref.chunkId, Batch.decode(msg.data).tables[0], ref.chunkRows);
        return 'ack';
      }
      const done = assembler.add(ref, msg);
      if (!done) return 'keep';
      const table = tableFor(ctx, done.rowsets[0]!);
      const commit = metrics.batchCommit.startTimer({ task: ctx.taskId, stage: 'full' });
      try {
        // A resync chunk's id carries its generation: it lands in that generation's staging table (R1).
        const generation = messageIds.chunkGeneration(done.chunkId);
        await ctx.dest.commitChunk(ctx.writer, done.chunkId, table, done.rowsets, ctx.opts, generation);
      } catch (e) {
        for (const m of done.messages) m.nak(1_000);
        throw e;
      }
      commit();
      observeLatency(ctx, 'full', done.completedAtProducerMs);
      metrics.countRows(
        { task: ctx.taskId, table: tableLabel(done.rowsets[0]!), stage: 'full', direction: 'written' },
        Number(done.chunkRows),
        done.messages.reduce((n, m) => n + m.data.length, 0),
      );
      ctx.committed.add(done.chunkId);
      await reportChunk(ctx, done.chunkId, done.rowsets[0], done.chunkRows);
      for (const m of done.messages) m.ack();
      span.setAttribute('tidewater.rows', Number(done.chunkRows));
      return 'keep';
    }
    const batch = Batch.decode(msg.data);
    const origin = batch.origin;
    if (origin?.$case === 'binlog') {
      for (const change of batch.schemaChanges) await applySchemaChange(ctx, change);
      let rows = 0;
      // Lag is measured against the newest binlog event time in the batch; a batch
      // without rows (position heartbeat) means capture had read everything when made.
      let newestEvent = -1n;
      const written: { rs: RowSet; rows: number }[] = [];
      const commit = metrics.batchCommit.startTimer({ task: ctx.taskId, stage: 'incremental' });
      for (const rs of batch.tables) {
        const n = await ctx.dest.appendLog(ctx.writer, tableFor(ctx, rs), rs, ctx.opts);
        written.push({ rs, rows: n });
        rows += n;
        for (const t of rs.eventTimes) if (t > newestEvent) newestEvent = t;
      }
      if (batch.tables.length > 0) {
        commit();
        observeLatency(ctx, 'incremental', batch.createdAtMs);
      }
      countBatchRows({ task: ctx.taskId, stage: 'incremental', direction: 'written' }, written, msg.data.length);
      // A heartbeat (source clock, ms) is the most precise measure; binlog event times have
      // second resolution; an empty batch was made when capture had read everything.
      const eventMs = newestEvent >= 0n ? newestEvent * 1000n : batch.createdAtMs;
      const sourceTimeMs =
        batch.sourceTimeMs > eventMs || (newestEvent < 0n && batch.sourceTimeMs > 0n) ? batch.sourceTimeMs : eventMs;
      await publishProgress(
        ctx.bus,
        Progress.fromPartial({
          taskId: ctx.taskId,
          unit: { $case: 'binlog', value: origin.value },
          partition: ctx.partition,
          rows: BigInt(rows),
          bytes: BigInt(msg.data.length),
          committedAtMs: BigInt(Date.now()),
          sourceTimeMs,
        }),
        messageIds.binlogProgress(ctx.partition, origin.value.end?.token, origin.value.lastRecordId),
      );
      span.setAttribute('tidewater.rows', rows);
      return 'ack';
    }
    throw new TidewaterError('TW_INTERNAL', `batch without origin on partition ${ctx.partition}`);
  });
}

/** Producer → destination time of a committed batch (a chunk: of the batch that completed it). */
function observeLatency(ctx: PartitionContext, stage: 'full' | 'incremental', createdAtMs: bigint): void {
  if (createdAtMs > 0n)
    metrics.batchLatency.observe({ task: ctx.taskId, stage }, (Date.now() - Number(createdAtMs)) / 1000);
}

function tableFor(ctx: PartitionContext, rs: { table?: { database: string; table: string } }): DestTable {
  const key = `${rs.table?.database}.${rs.table?.table}`;
  const known = ctx.tables().get(key);
  const altered = ctx.altered.get(key);
  const t = altered && (!known || altered.version > known.version) ? altered : known;
  if (!t) throw new TidewaterError('TW_INTERNAL', `task ${ctx.taskId} has no destination table for ${key}`);
  return t;
}

/** ADD COLUMN reaches the destination before any row decoded with the new schema. */
async function applySchemaChange(ctx: PartitionContext, change: SchemaChange): Promise<void> {
  const table = tableFor(ctx, change);
  const next = change.newSchema!;
  if (next.version <= table.version) return;
  // The new source schema in destination naming; added columns that ETL drops stay out.
  const altered = destTableOf(
    ctx.spec,
    { destSchema: table.schema, destTable: table.stem, source: change.table },
    next,
  );
  const names = new Set(altered.columns.map((c) => c.name));
  const added = altered.columns.filter((c) => !table.columns.some((o) => o.name === c.name) && names.has(c.name));
  await ctx.dest.addColumns(altered, added, ctx.opts);
  ctx.altered.set(`${change.table?.database}.${change.table?.table}`, altered);
  await publishProgress(
    ctx.bus,
    Progress.fromPartial({
      taskId: ctx.taskId,
      table: change.table,
      unit: { $case: 'appliedDdl', value: change },
      partition: ctx.partition,
      rows: 0n,
      bytes: 0n,
      committedAtMs: BigInt(Date.now()),
      sourceTimeMs: 0n,
    }),
    messageIds.addColumnApplied(change.table?.database, change.table?.table, next.version),
  );
}

async function reportChunk(
  ctx: PartitionContext,
  chunkId: string,
  rs: RowSet | undefined,
  rows: bigint,
): Promise<void> {
  await publishProgress(
    ctx.bus,
    Progress.fromPartial({
      taskId: ctx.taskId,
      table: rs?.table,
      unit: { $case: 'chunkId', value: chunkId },
      partition: ctx.partition,
      rows,
      bytes: 0n,
      committedAtMs: BigInt(Date.now()),
      sourceTimeMs: 0n,
    }),
    messageIds.chunkProgress(chunkId),
  );
}
