import { TidewaterError } from '@tidewater/errors';
import type { Batch } from '@tidewater/proto';

/**
 * Every JetStream message id (`Nats-Msg-Id`), one builder per row of the D1 table in
 * docs/architecture.md ("Message ids (D1)"). An id depends only on what the message is, so a
 * republish after a crash is dropped as a duplicate within the 10-minute window.
 *
 * Never change a format: JetStream and the destination compare ids across an upgrade, and a
 * changed id lets a republished message through as new. Fragment ids are built in
 * publisher.ts from these (`<id>~<digest>#<index>/<count>`, fragments.ts).
 */
export const messageIds = {
  /** A snapshot chunk's identity, also its work item's id: `<task owner>.t<table index>.c<chunk index>`. */
  chunk: (owner: string, tableIndex: number, chunkIndex: number) => `${owner}.t${tableIndex}.c${chunkIndex}`,
  /**
   * A resync chunk: `<task owner>.t<table index>.r<generation>.c<chunk index>`. The generation
   * keeps each resync's plan apart (P1 per generation, S1 never takes one generation's chunk for another's).
   */
  resyncChunk: (owner: string, tableIndex: number, generation: number, chunkIndex: number) =>
    `${owner}.t${tableIndex}.r${generation}.c${chunkIndex}`,
  /** The resync generation a chunk id carries; 0 for a chunk of the full stage. */
  chunkGeneration: (chunkId: string): number => Number(/\.r(\d+)\.c\d+$/.exec(chunkId)?.[1] ?? 0),
  /** Work item → TW_WORK: the chunk id itself (a restarted coordinator republishes the same split, P1). */
  workItem: (chunkId: string) => chunkId,
  /** Snapshot batch → TW_SOURCE. `attempt` separates re-reads of a chunk, `seq` the batches of one read. */
  snapshotBatch: (chunkId: string, attempt: number, seq: number) => `${chunkId}:${attempt}:${seq}`,
  /** Snapshot batch → TW_SINK (forwarded by transform, also sent as the `Tw-Batch-Id` header). */
  snapshotSinkBatch: (chunkId: string, attempt: number, seq: number) => `c:${chunkId}:${attempt}:${seq}`,
  /**
   * A snapshot batch as snapshot publishes it: to TW_SOURCE, or `direct` to TW_SINK (a table
   * transform leaves unchanged) under the id transform's forwarding would give it.
   */
  snapshotPublish: (chunkId: string, attempt: number, seq: number, direct: boolean) =>
    direct ? messageIds.snapshotSinkBatch(chunkId, attempt, seq) : messageIds.snapshotBatch(chunkId, attempt, seq),
  /** Binlog batch → TW_SOURCE: where the batch ends. */
  binlogBatch: (endToken: string | undefined, lastRecordId: bigint | undefined) => `b:${endToken}:${lastRecordId}`,
  /** Binlog batch → TW_SINK: one per partition of the same source batch. */
  binlogSinkBatch: (endToken: string | undefined, lastRecordId: bigint | undefined, partition: number) =>
    `b:${endToken}:${lastRecordId}:${partition}`,
  /** A source batch routed to sink partition `partition`: the same source batch always maps to the same id. */
  sinkBatch: (batch: Batch, partition: number): string => {
    const o = batch.origin;
    if (o?.$case === 'chunk') return messageIds.snapshotSinkBatch(o.value.chunkId, o.value.attempt, o.value.seq);
    if (o?.$case === 'binlog') return messageIds.binlogSinkBatch(o.value.end?.token, o.value.lastRecordId, partition);
    throw new TidewaterError('TW_INTERNAL', 'batch without origin');
  },
  /** A snapshot batch forwarded undecoded: the `Tw-Batch-Id` header snapshot set (snapshotSinkBatch). */
  forwardedSnapshotBatch: (batchIdHeader: string) => batchIdHeader,
  /** ADD COLUMN batch → TW_SOURCE, at the statement's position. */
  addColumnBatch: (positionToken: string) => `ddl:${positionToken}`,
  /** Progress: a chunk committed. */
  chunkProgress: (chunkId: string) => `chunk:${chunkId}`,
  /** Progress: a sink partition committed a binlog batch. */
  binlogProgress: (partition: number, endToken: string | undefined, lastRecordId: bigint | undefined) =>
    `p${partition}:${endToken ?? ''}:${lastRecordId}`,
  /** Progress: a sink applied an ADD COLUMN. */
  addColumnApplied: (database: string | undefined, table: string | undefined, schemaVersion: number) =>
    `ddl-applied:${database}.${table}:${schemaVersion}`,
  /**
   * Progress: a DDL capture cannot follow. Per capture run (the task revision it started
   * from): a resumed task meets the statement again, and that report must not be dropped as
   * a repeat of the first, or the task would stay "incremental" with capture stopped.
   */
  unsupportedDdl: (positionToken: string, taskRevision: number) => `ddl:${positionToken}:${taskRevision}`,
} as const;
