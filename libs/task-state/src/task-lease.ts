import { KV_BUCKETS, openKv, type Bus, type KV } from '@tidewater/bus';

interface LeaseValue {
  readonly owner: string;
  readonly expiresAtMs: number;
}

/**
 * Who drives a task: a coordinator drives it only while it holds the task's lease in KV
 * (compare-and-set on the revision), renewing it well before it expires. A coordinator that
 * dies stops renewing; another takes over once the lease has expired. Two coordinators
 * never drive one task at the same time, as long as clocks agree within the lease time.
 */
export class TaskLeases {
  private readonly revisions = new Map<string, number>();
  /** When this owner last took or renewed each lease. */
  private readonly renewedAt = new Map<string, number>();
  /** One acquire per task at a time: two concurrent ones of the same owner would race on the revision and the loser would think the lease lost. */
  private readonly pending = new Map<string, Promise<boolean>>();

  private constructor(
    private readonly kv: KV,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  static async open(bus: Bus, owner: string, ttlMs = 15_000): Promise<TaskLeases> {
    return new TaskLeases(await openKv(bus.js, KV_BUCKETS.leases), owner, ttlMs);
  }

  /** Takes or renews the lease; false when another owner holds a live one. */
  acquire(taskId: string, now = Date.now()): Promise<boolean> {
    // Renewed recently by us: still ours (a lease outlives this window by two thirds of its life).
    const at = this.renewedAt.get(taskId);
    if (at !== undefined && now - at < this.ttlMs / 3) return Promise.resolve(true);
    let p = this.pending.get(taskId);
    if (!p) {
      p = this.tryAcquire(taskId, now).finally(() => this.pending.delete(taskId));
      this.pending.set(taskId, p);
    }
    return p;
  }

  private async tryAcquire(taskId: string, now: number): Promise<boolean> {
    const ok = await this.write(taskId, now);
    if (ok) this.renewedAt.set(taskId, now);
    else this.renewedAt.delete(taskId);
    return ok;
  }

  private async write(taskId: string, now: number): Promise<boolean> {
    const value = new TextEncoder().encode(
      JSON.stringify({ owner: this.owner, expiresAtMs: now + this.ttlMs } satisfies LeaseValue),
    );
    const cur = await this.kv.get(taskId);
    try {
      if (!cur || cur.operation !== 'PUT' || cur.value.length === 0) {
        this.revisions.set(
          taskId,
          cur ? await this.kv.update(taskId, value, cur.revision) : await this.kv.create(taskId, value),
        );
        return true;
      }
      const held = JSON.parse(new TextDecoder().decode(cur.value)) as LeaseValue;
      if (held.owner !== this.owner && held.expiresAtMs > now) return false;
      this.revisions.set(taskId, await this.kv.update(taskId, value, cur.revision));
      return true;
    } catch {
      // Someone else wrote between our read and write: theirs stands.
      return false;
    }
  }

  /** Gives the lease up (a clean stop), so another coordinator need not wait for expiry. */
  async release(taskId: string): Promise<void> {
    const rev = this.revisions.get(taskId);
    this.revisions.delete(taskId);
    this.renewedAt.delete(taskId);
    if (rev !== undefined) await this.kv.delete(taskId, { previousSeq: rev }).catch(() => undefined);
  }
}
