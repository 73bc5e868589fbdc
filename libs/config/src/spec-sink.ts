import { doc } from './spec-keydoc.js';
import { int, section } from './spec-leaves.js';

// Task-spec keys of the sink side: how many ordered paths a task's changes take (composed in
// spec-schema.ts).

/**
 * Limits of `sink.partitions`. At least 1: a task needs one path. At most 64: every partition
 * is a JetStream durable consumer, receives every change batch (P2: an empty one where it has
 * no rows) and reports progress for each; past 64 that fixed cost per change batch outweighs
 * what more parallel writers gain (a DuckDB file takes one writer process anyway).
 */
export const SINK_PARTITION_LIMITS = [1, 64] as const;
export const DEFAULT_SINK_PARTITIONS = 8;

/** The sink partitions of a task: fixed at creation. */
export const sink = doc(
  section(
    {
      partitions: doc(int(...SINK_PARTITION_LIMITS).default(DEFAULT_SINK_PARTITIONS), {
        meaning:
          "Sink partitions of the task: ordered paths from transform to the sinks, each one durable consumer and one writer at a time. Change rows go to `hash(destination table, row key) mod partitions`, so one busy table spreads over all of them while the changes of one key stay in order on one; a full-copy chunk goes whole to `hash(destination table, chunk id) mod partitions`. At most 64 because every partition receives every change batch (empty where it has no rows) and reports its progress. Fixed at creation: a key's earlier changes are on the partition the count chose.",
      }),
    },
    { message: 'must be an object', fix: 'write sink: { partitions: 8 }' },
  ).prefault({}),
  { default: '', meaning: 'Sink partitioning.' },
);
