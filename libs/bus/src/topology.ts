import {
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';

/**
 * Streams and subjects (docs/architecture.md, "Bus"):
 *
 * - TW_WORK    tw.work.<task>.snapshot     coordinator → snapshot: one SnapshotChunk per message
 * - TW_SOURCE  tw.source.<task>.snapshot   snapshot → transform: Batch of one chunk's rows
 *              tw.source.<task>.binlog     capture → transform: Batch of whole transactions
 * - TW_SINK    tw.sink.<task>.<partition>  transform → sink: Batch for tables hashed to a partition
 * - TW_EVENTS  tw.events.<task>.progress   sink → coordinator: Progress after a durable commit
 *
 * Work-queue retention: a message leaves the stream when its one consumer acknowledges it,
 * so disk use follows the backlog, not the history.
 */
export const STREAMS = {
  work: 'TW_WORK',
  source: 'TW_SOURCE',
  sink: 'TW_SINK',
  events: 'TW_EVENTS',
} as const;

export const subjects = {
  snapshotWork: (task: string) => `tw.work.${task}.snapshot`,
  sourceSnapshot: (task: string) => `tw.source.${task}.snapshot`,
  sourceBinlog: (task: string) => `tw.source.${task}.binlog`,
  sourceAll: (task: string) => `tw.source.${task}.>`,
  sink: (task: string, partition: number) => `tw.sink.${task}.${partition}`,
  progress: (task: string) => `tw.events.${task}.progress`,
  /** Request/reply (core NATS): the coordinator asks any sink to run schema migration. */
  sinkSchema: 'tw.ctl.sink.schema',
  /** Precheck: which destination tables already exist (request/reply, any sink answers). */
  sinkInspect: 'tw.ctl.sink.inspect',
  /** Request/reply: a resync generation is copied; a sink swaps it into `_base` (sink-resync.ts). */
  sinkResync: 'tw.ctl.sink.resync',
  /** Request/reply: a read-only query answered by the sink holding the warehouse (`key`: warehouse-query.ts). */
  warehouseQuery: (key: string) => `tw.ctl.sink.query.${key}`,
  /** Request/reply: a Parquet export done by the sink holding the warehouse. */
  warehouseExport: (key: string) => `tw.ctl.sink.export.${key}`,
} as const;

export const KV_BUCKETS = {
  tasks: 'tw_tasks',
  positions: 'tw_positions',
  /** Which coordinator drives which task (TaskLeases). */
  leases: 'tw_leases',
  /** Which sink instance owns which sink partition of a task, and under which epoch (PartitionLeases, P3). */
  sinkPartitions: 'tw_sink_partitions',
  /** Live sink instances: each heartbeats its own key (SinkMembers). */
  sinks: 'tw_sinks',
} as const;

/**
 * Headers a producer sets so a router can route a batch without decoding it: the source
 * table of a single-table batch, the chunk it belongs to (which picks its sink partition) and
 * the batch's deduplication identity.
 */
export const HEADERS = {
  sourceTable: 'Tw-Source-Table',
  chunkId: 'Tw-Chunk-Id',
  batchId: 'Tw-Batch-Id',
} as const;

/** Consumer names are per task (and per partition), so tasks never share a cursor. */
export const durables = {
  snapshot: (task: string) => `snapshot_${task}`,
  transform: (task: string) => `transform_${task}`,
  /** Per lease epoch: acks of a previous owner name its own (deleted) consumer, never the new one's. */
  sink: (task: string, partition: number, epoch: number) => `sink_${task}_${partition}_e${epoch}`,
  coordinator: (task: string) => `coordinator_${task}`,
} as const;

/**
 * The largest message the streams accept. A batch is cut at ~768 KiB, but never inside a
 * transaction or a row, so one can be larger: then it travels in fragments (fragments.ts).
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** How long JetStream remembers a Nats-Msg-Id to drop a re-published duplicate. */
export const DEDUP_WINDOW_NS = 10 * 60 * 1_000_000_000;

function streamConfig(
  name: string,
  subjectsFilter: string,
  retention: RetentionPolicy,
): Partial<StreamConfig> & { name: string } {
  return {
    name,
    subjects: [subjectsFilter],
    retention,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: DEDUP_WINDOW_NS,
    max_msg_size: MAX_MESSAGE_BYTES,
    num_replicas: 1,
  };
}

/** Creates the streams when missing. Idempotent; safe for every service to call at start. */
export async function ensureTopology(jsm: JetStreamManager): Promise<void> {
  const wanted = [
    streamConfig(STREAMS.work, 'tw.work.>', RetentionPolicy.Workqueue),
    streamConfig(STREAMS.source, 'tw.source.>', RetentionPolicy.Workqueue),
    streamConfig(STREAMS.sink, 'tw.sink.>', RetentionPolicy.Workqueue),
    streamConfig(STREAMS.events, 'tw.events.>', RetentionPolicy.Workqueue),
  ];
  for (const cfg of wanted) {
    try {
      await jsm.streams.info(cfg.name);
    } catch {
      try {
        await jsm.streams.add(cfg);
      } catch (e) {
        // Another service created it between our info and add.
        if (!/already in use|already exists/i.test((e as Error).message)) throw e;
      }
    }
  }
}

/** Removes a task's messages from every stream (task deleted). */
export async function purgeTask(jsm: JetStreamManager, task: string): Promise<void> {
  for (const [stream, filter] of [
    [STREAMS.work, `tw.work.${task}.>`],
    [STREAMS.source, `tw.source.${task}.>`],
    [STREAMS.sink, `tw.sink.${task}.>`],
    [STREAMS.events, `tw.events.${task}.>`],
  ] as const) {
    await jsm.streams.purge(stream, { filter }).catch(() => undefined);
  }
}
