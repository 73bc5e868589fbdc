import type { TaskSpec } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';

/**
 * Sink partitions of a task (`sink.partitions`, fixed at creation): ordered paths from
 * transform to the sinks, each one durable consumer with one writer at a time. A spec stored
 * by a version before the key existed (4 partitions routed by whole table) has none: such a
 * task must be recreated, since its keys' earlier changes sit on partitions the new routing
 * would not choose (docs/operations.md).
 */
export function sinkPartitionsOf(spec: Pick<TaskSpec, 'name' | 'sink'>): number {
  const n = spec.sink?.partitions;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  throw new TidewaterError(
    'TW_TASK_STATE',
    `task ${spec.name} was created by an older Tidewater version (4 sink partitions routed by table) and cannot run on this one`,
    {
      subject: spec.name,
      fix: `recreate it: tidewater task delete ${spec.name}, then create it again (the new task copies the tables afresh)`,
    },
  );
}

/**
 * Every sink partition of the task, ascending. Every change batch goes to each of them
 * (invariant P2), and the task's applied position is the lowest they all reached.
 */
export function taskPartitions(spec: Pick<TaskSpec, 'name' | 'sink'>): number[] {
  return Array.from({ length: sinkPartitionsOf(spec) }, (_, p) => p);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a (32 bit) of a string's UTF-16 code units, continuing from `seed`. The routing hash:
 * a pure function of its input, so a redelivered source batch is routed the same way (D1).
 */
export function fnv1a(text: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The hash of `<dest schema>.<dest table>`: the seed every row and chunk hash of that table continues from. */
export function tableSeed(destSchema: string, destTable: string): number {
  // The separator keeps (a, b.c) and (a.b, c) apart from each other's continuation.
  return fnv1a(`${destSchema}.${destTable}\u0000`);
}

/**
 * The partition of a hash. The top bits are mixed in first: FNV-1a's low bits alone follow
 * the last input byte too closely to spread consecutive integer keys evenly.
 */
export function partitionOfHash(hash: number, partitions: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % partitions;
}

/** A snapshot chunk's partition: the whole chunk on one partition (S1), a table's chunks spread. */
export function chunkPartition(destSchema: string, destTable: string, chunkId: string, partitions: number): number {
  return partitionOfHash(fnv1a(chunkId, tableSeed(destSchema, destTable)), partitions);
}

/** Where a table's rows go when it has no row key to spread them by: one partition, by table. */
export function tablePartition(destSchema: string, destTable: string, partitions: number): number {
  return partitionOfHash(tableSeed(destSchema, destTable), partitions);
}
