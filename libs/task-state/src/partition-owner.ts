import type { HeldLease, PartitionLeases } from './partition-lease.js';
import { desiredPartitions } from './rendezvous.js';
import { SINK_POLL_MS, type SinkMembers } from './sink-members.js';

/** One partition this instance runs (a sink's consumer of it). */
export interface RunningPartition {
  /** Stops consuming; resolves once its in-flight write has committed or rolled back. */
  stop(): Promise<void>;
  /** Settles when it ended by itself (its write was fenced off, or it failed): the lease is then given up. */
  readonly ended: Promise<unknown>;
}

export interface PartitionOwnerOptions {
  readonly taskId: string;
  /** The task's number of sink partitions. */
  readonly partitions: () => number;
  readonly leases: PartitionLeases;
  readonly members: SinkMembers;
  /** Starts running a partition under the lease taken at `epoch`. */
  start(partition: number, epoch: number): RunningPartition;
  /** Called whenever the owned set changed: partition → epoch. */
  onChange?(owned: ReadonlyMap<number, number>): void;
  onError?(message: string, e: unknown, partition?: number): void;
  readonly pollMs?: number;
}

interface Held {
  lease: HeldLease;
  renewedAt: number;
  readonly run: RunningPartition;
  /** Set while being handed over: still ours (and renewed) until its run has stopped and the lease is released. */
  leaving?: Promise<void>;
}

/**
 * The partitions of one task this sink instance owns (docs/architecture.md, "Sink
 * partitions"). Every poll it renews its leases, reads the live sinks and the leases, and
 * computes by rendezvous hashing which partitions it should own — the same answer on every
 * sink with the same view. It takes those when free or expired; it also takes a partition
 * nobody took for a whole poll while it holds fewer than its fair share ⌈P / live⌉; and it
 * hands over partitions it should no longer own (a sink joined): stop consuming, let the
 * in-flight write settle, only then release. So two sinks never run one partition at once;
 * the destination's epoch fence (P3) only catches a sink that stalled past its lease.
 */
export class PartitionOwner {
  private readonly held = new Map<number, Held>();
  /** Free partitions seen at the last poll: taken outside the desired set only when still free. */
  private freeBefore = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private ticking = false;
  private polling = false;
  private dirty = false;
  /** Stopping: renew what is held, take nothing. */
  private closing = false;
  private readonly pollMs: number;

  constructor(private readonly o: PartitionOwnerOptions) {
    this.pollMs = o.pollMs ?? SINK_POLL_MS;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    void this.poll();
  }

  /** The partitions owned now (including those being handed over), ascending. */
  owned(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** A clean stop: every partition stops, then every lease is released (others need not wait for expiry). */
  async stop(): Promise<void> {
    this.closing = true;
    // A poll under way may still take a partition: let it finish, then stop everything held.
    await this.serial(() => Promise.resolve());
    await Promise.allSettled([...this.held.values()].map((h) => h.leaving ?? h.run.stop()));
    clearInterval(this.timer);
    await this.serial(async () => {
      await Promise.allSettled([...this.held].map(([p, h]) => this.o.leases.release(this.o.taskId, p, h.lease)));
      this.held.clear();
    });
    this.changed();
  }

  /** Stops without releasing anything, like a process that died (tests). */
  abandon(): void {
    this.closing = true;
    clearInterval(this.timer);
    for (const h of this.held.values()) void h.run.stop().catch(() => undefined);
    this.held.clear();
  }

  private async poll(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.serial(async () => {
        this.polling = true;
        try {
          await this.tick();
        } finally {
          this.polling = false;
        }
      });
    } catch (e) {
      this.o.onError?.('sink partition poll failed; will retry', e);
    } finally {
      this.ticking = false;
      if (this.dirty) {
        this.dirty = false;
        this.changed();
      }
    }
  }

  /** Lease writes one at a time: a release must not race a renewal of the same lease. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async tick(): Promise<void> {
    const { taskId, leases, members } = this.o;
    await Promise.all([...this.held].map(([p, h]) => this.renew(p, h)));
    if (this.closing) return;
    const now = Date.now();
    const count = this.o.partitions();
    const [live, current] = await Promise.all([members.live(now), leases.read(taskId, count)]);
    const desired = desiredPartitions(taskId, count, live, members.self);
    for (const [p, h] of this.held) if (!desired.has(p) && !h.leaving) this.handOver(p, h);
    const fairShare = Math.ceil(count / live.length);
    const free = new Set<number>();
    for (let p = 0; p < count; p++) {
      if (this.held.has(p)) continue;
      const lease = current.get(p);
      const mine = lease?.owner === members.self;
      if (lease && !mine && lease.expiresAtMs > now) continue;
      const keeping = [...this.held.values()].filter((h) => !h.leaving).length;
      // Not ours by hashing: its owner may not see it yet, or be gone; wait one poll for it.
      if (desired.has(p) || (this.freeBefore.has(p) && keeping < fairShare)) {
        const taken = await leases.take(taskId, p, lease, now);
        if (taken && this.closing) await leases.release(taskId, p, taken);
        else if (taken) {
          this.run(p, taken, now);
          continue;
        }
      }
      free.add(p);
    }
    this.freeBefore = free;
  }

  private async renew(p: number, h: Held): Promise<void> {
    const now = Date.now();
    try {
      const next = await this.o.leases.renew(this.o.taskId, p, h.lease, now);
      if (next) {
        h.lease = next;
        h.renewedAt = now;
        return;
      }
      // Someone took it after it expired (this instance stalled): theirs now, stop writing.
      this.o.onError?.('sink partition lease lost; stopping it', undefined, p);
    } catch (e) {
      // NATS unreachable: still ours until it expires, but stop before that.
      if (now - h.renewedAt < this.o.leases.ttlMs - this.pollMs) return;
      this.o.onError?.('cannot renew the sink partition lease; stopping it before it expires', e, p);
    }
    if (this.held.get(p) !== h) return;
    this.held.delete(p);
    this.changed();
    void h.run.stop().catch(() => undefined);
  }

  private run(p: number, lease: HeldLease, now: number): void {
    const h: Held = { lease, renewedAt: now, run: this.o.start(p, lease.epoch) };
    this.held.set(p, h);
    this.changed();
    const endedByItself = () => this.held.get(p) === h && !h.leaving && !this.closing && this.handOver(p, h);
    void h.run.ended.then(endedByItself, endedByItself);
  }

  /** Stop, wait for the in-flight write, then release: never two writers at once. */
  private handOver(p: number, h: Held): void {
    h.leaving = (async () => {
      await h.run.stop().catch((e: unknown) => this.o.onError?.('sink partition stop failed', e, p));
      await this.serial(async () => {
        if (this.held.get(p) !== h) return;
        await this.o.leases.release(this.o.taskId, p, h.lease);
        this.held.delete(p);
      });
      this.changed();
    })();
  }

  /** Reports the owned set; during a poll once at its end, not per partition taken. */
  private changed(): void {
    if (this.polling) {
      this.dirty = true;
      return;
    }
    this.o.onChange?.(new Map([...this.held].map(([p, h]) => [p, h.lease.epoch])));
  }
}
