import { KV_BUCKETS, isRevisionConflict, openKv, type Bus, type KV, type KvEntry } from '@tidewater/bus';

/** A sink partition lease lasts this long unless renewed. */
export const PARTITION_LEASE_MS = 15_000;

/** What the lease key of a partition holds. */
interface StoredLease {
  readonly owner: string;
  readonly expiresAtMs: number;
  /** The revision at which `owner` took the lease; absent in that very first write (its own revision). */
  readonly epoch?: number;
}

/** A partition's lease as read from KV. */
export interface PartitionLease {
  readonly taskId: string;
  readonly partition: number;
  readonly owner: string;
  readonly epoch: number;
  readonly expiresAtMs: number;
  /** The entry's current revision: the compare-and-set base of the next write. */
  readonly revision: number;
}

/** A lease this owner holds. */
export interface HeldLease {
  readonly epoch: number;
  readonly revision: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function leaseKey(taskId: string, partition: number): string {
  return `${taskId}.${partition}`;
}

function decode(taskId: string, partition: number, e: KvEntry | null): PartitionLease | undefined {
  if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
  const v = JSON.parse(dec.decode(e.value)) as StoredLease;
  return {
    taskId,
    partition,
    owner: v.owner,
    expiresAtMs: v.expiresAtMs,
    epoch: v.epoch ?? e.revision,
    revision: e.revision,
  };
}

/**
 * Who writes each sink partition of a task (KV `tw_sink_partitions`, key `<task>.<partition>`),
 * by compare-and-set on the entry's revision. The lease's epoch is the KV revision at which its
 * owner took it: renewals keep it, and since revisions only grow within the bucket, a later
 * owner's epoch is always higher. It is the `PartitionWriter.epoch` the destination fences
 * writes with (invariant P3, docs/architecture.md).
 */
export class PartitionLeases {
  private constructor(
    private readonly kv: KV,
    readonly owner: string,
    readonly ttlMs: number,
  ) {}

  static async open(bus: Bus, owner: string, ttlMs = PARTITION_LEASE_MS): Promise<PartitionLeases> {
    return new PartitionLeases(await openKv(bus.js, KV_BUCKETS.sinkPartitions), owner, ttlMs);
  }

  /** The current leases of partitions 0 … count-1 of a task (live or expired; free ones absent). */
  async read(taskId: string, count: number): Promise<Map<number, PartitionLease>> {
    return readLeases(this.kv, taskId, count);
  }

  /**
   * Takes a free or expired lease (or one this owner holds, e.g. from before a restart of its
   * loop), given the entry it was read as; undefined when someone else wrote in between or
   * holds it live.
   */
  async take(
    taskId: string,
    partition: number,
    current: PartitionLease | undefined,
    now = Date.now(),
  ): Promise<HeldLease | undefined> {
    if (current && current.owner !== this.owner && current.expiresAtMs > now) return undefined;
    const value = enc.encode(
      JSON.stringify({ owner: this.owner, expiresAtMs: now + this.ttlMs } satisfies StoredLease),
    );
    const key = leaseKey(taskId, partition);
    try {
      // Always a new epoch, even when retaking our own lease: what we wrote under the old one may still be in flight.
      const revision = current
        ? await this.kv.update(key, value, current.revision)
        : await this.kv.create(key, value).catch(async (e: unknown) => {
            // A released lease leaves a delete marker: create refuses only a live value.
            const cur = await this.kv.get(key);
            if (cur && cur.operation !== 'PUT') return this.kv.update(key, value, cur.revision);
            throw e;
          });
      return { epoch: revision, revision };
    } catch (e) {
      if (isRevisionConflict(e) || /wrong last sequence|key exists/i.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** Extends a held lease, keeping its epoch; undefined when it is no longer ours (someone took it after it expired). */
  async renew(taskId: string, partition: number, held: HeldLease, now = Date.now()): Promise<HeldLease | undefined> {
    const value = enc.encode(
      JSON.stringify({ owner: this.owner, expiresAtMs: now + this.ttlMs, epoch: held.epoch } satisfies StoredLease),
    );
    try {
      return { epoch: held.epoch, revision: await this.kv.update(leaseKey(taskId, partition), value, held.revision) };
    } catch (e) {
      if (isRevisionConflict(e) || /wrong last sequence/i.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** Gives a held lease up, only if still ours unchanged. */
  async release(taskId: string, partition: number, held: HeldLease): Promise<void> {
    await this.kv.delete(leaseKey(taskId, partition), { previousSeq: held.revision }).catch(() => undefined);
  }
}

async function readLeases(kv: KV, taskId: string, count: number): Promise<Map<number, PartitionLease>> {
  const entries = await Promise.all(
    Array.from({ length: count }, (_, p) => kv.get(leaseKey(taskId, p)).then((e) => decode(taskId, p, e))),
  );
  return new Map(entries.filter((l) => l !== undefined).map((l) => [l.partition, l]));
}

/** Read-only view of the partition leases, for who shows them (the coordinator's TaskView). */
export class PartitionLeaseView {
  private constructor(private readonly kv: KV) {}

  static async open(bus: Bus): Promise<PartitionLeaseView> {
    return new PartitionLeaseView(await openKv(bus.js, KV_BUCKETS.sinkPartitions));
  }

  /** Every lease key of the task (live or expired), whatever its partition count. */
  async read(taskId: string): Promise<Map<number, PartitionLease>> {
    const partitions: number[] = [];
    for await (const k of await this.kv.keys(`${taskId}.*`)) partitions.push(Number(k.slice(taskId.length + 1)));
    const entries = await Promise.all(
      partitions.map((p) => this.kv.get(leaseKey(taskId, p)).then((e) => decode(taskId, p, e))),
    );
    return new Map(entries.filter((l) => l !== undefined).map((l) => [l.partition, l]));
  }
}
