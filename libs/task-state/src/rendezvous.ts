import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest-random-weight) hashing: the owner of `key` is the member with the
 * highest hash of (key, member). Every instance with the same view of the members computes
 * the same owner, and adding or removing one member moves only the keys it wins or held
 * (≈ 1/N of them), never reshuffles the rest.
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const m of members) {
    const w = weight(key, m);
    // Ties (astronomically unlikely) go to the smaller id, so every view still agrees.
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

function weight(key: string, member: string): bigint {
  return createHash('sha256').update(key).update('\0').update(member).digest().readBigUInt64BE(0);
}

/** The rendezvous key of one sink partition of a task. */
export function partitionKey(taskId: string, partition: number): string {
  return `${taskId}.${partition}`;
}

/**
 * Who should own each partition 0 … count-1 of a task: rendezvous hashing with bounded load.
 * All (partition, member) pairs are taken in descending weight and a pair is kept when the
 * partition is still unassigned and the member holds fewer than ⌈count / members⌉. So every
 * member gets its fair share (plain rendezvous hashing may give one sink 4 of 8 and another 1),
 * every view of the same members gives the same answer, and a member joining or leaving still
 * moves only about 1/N of the partitions.
 */
export function assignPartitions(taskId: string, count: number, members: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  if (members.length === 0) return out;
  const cap = Math.ceil(count / members.length);
  const pairs: { p: number; m: string; w: bigint }[] = [];
  for (let p = 0; p < count; p++) {
    const key = partitionKey(taskId, p);
    for (const m of members) pairs.push({ p, m, w: weight(key, m) });
  }
  // Ties (astronomically unlikely) by member id, then partition, so every view still agrees.
  pairs.sort((a, b) => (a.w === b.w ? (a.m === b.m ? a.p - b.p : a.m < b.m ? -1 : 1) : a.w > b.w ? -1 : 1));
  const load = new Map<string, number>();
  for (const { p, m } of pairs) {
    if (out.has(p) || (load.get(m) ?? 0) >= cap) continue;
    out.set(p, m);
    load.set(m, (load.get(m) ?? 0) + 1);
    if (out.size === count) break;
  }
  return out;
}

/** The partitions of a task that `self` should own among `members` (assignPartitions). */
export function desiredPartitions(
  taskId: string,
  count: number,
  members: readonly string[],
  self: string,
): Set<number> {
  const out = new Set<number>();
  for (const [p, m] of assignPartitions(taskId, count, members)) if (m === self) out.add(p);
  return out;
}
