import type { TableProgress } from '@tidewater/proto';

/** Sink partitions per task: tables hash onto them, each partition is one ordered consumer. */
export const SINK_PARTITIONS = 4;

/** FNV-1a of the destination table: a table always lands on the same partition (keeps its log in order). */
export function sinkPartition(destKey: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < destKey.length; i++) {
    h ^= destKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SINK_PARTITIONS;
}

/**
 * The sink partitions holding at least one of the task's tables, ascending. Every change
 * batch goes to each of them (invariant P2), and the task's applied position is the lowest
 * they all reached.
 */
export function taskPartitions(tables: Iterable<Pick<TableProgress, 'destSchema' | 'destTable'>>): number[] {
  const used = new Set<number>();
  for (const t of tables) used.add(sinkPartition(`${t.destSchema}.${t.destTable}`));
  return used.size ? [...used].sort((a, b) => a - b) : [0];
}
