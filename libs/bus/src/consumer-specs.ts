import type { DurableSpec } from './consumer.js';
import { durables, STREAMS, subjects } from './topology.js';

const MiB = 1024 * 1024;

/**
 * Each durable consumer with its tuning (docs/architecture.md, "Bus"): one place for the
 * numbers every service and the coordinator consume with.
 */
export const consumerSpecs = {
  /**
   * Work items, shared by every snapshot loop of the task (one message at a time, workLoop).
   * The ack wait is renewed between batches while a chunk is read.
   */
  snapshot: (task: string): DurableSpec => ({
    stream: STREAMS.work,
    durable: durables.snapshot(task),
    filterSubject: subjects.snapshotWork(task),
    ackWaitMs: 20_000,
    maxAckPending: 1_000,
  }),
  /** Source batches (snapshot and binlog), one ordered reader per task (O1). */
  transform: (task: string): DurableSpec => ({
    stream: STREAMS.source,
    durable: durables.transform(task),
    filterSubject: subjects.sourceAll(task),
    ackWaitMs: 30_000,
    maxAckPending: 2_000,
    maxBytes: 16 * MiB,
    fresh: true,
  }),
  /**
   * One sink partition, one ordered reader (O1), owned under a lease `epoch` (P3). Chunk
   * batches are held unacknowledged until the chunk commits, so many may be pending; the sink
   * renews their ack wait. A new owner's consumer replaces its predecessor's (`fresh`): it
   * gets every unacknowledged message at once, and being named by the epoch, a late ack or
   * nak of the previous owner reaches nothing (NATS applies an ack to whichever consumer now
   * has the name it carries).
   */
  sink: (task: string, partition: number, epoch: number): DurableSpec => ({
    stream: STREAMS.sink,
    durable: durables.sink(task, partition, epoch),
    filterSubject: subjects.sink(task, partition),
    ackWaitMs: 30_000,
    maxAckPending: 10_000,
    maxBytes: 16 * MiB,
    fresh: true,
  }),
  /** Progress reports folded into the task state by the coordinator driving the task. */
  coordinator: (task: string): DurableSpec => ({
    stream: STREAMS.events,
    durable: durables.coordinator(task),
    filterSubject: subjects.progress(task),
    ackWaitMs: 5_000,
    maxAckPending: 1_000,
    maxBytes: MiB,
  }),
} as const;
