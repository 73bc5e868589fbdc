import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { KV_BUCKETS, openKv, type Bus, type KV } from '@tidewater/bus';

/** How often a sink writes its presence and renews its partition leases. */
export const SINK_POLL_MS = 5_000;
/**
 * A sink missing this long (two heartbeats) leaves the live set. Shorter than the partition
 * lease (15 s): by the time a dead sink's leases expire the others already want its partitions.
 */
export const MEMBER_STALE_MS = 10_000;
/** Entries vanish from the bucket this long after their last write (clean-up only; liveness is `seenAtMs`). */
const BUCKET_MAX_AGE_MS = 60_000;

/** A sink instance's identity: the host (pod) name and a random suffix, new at every start. */
export function newSinkId(host = hostname()): string {
  return `${host.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomBytes(3).toString('hex')}`;
}

interface Presence {
  readonly seenAtMs: number;
}

/**
 * Presence of the sink instances (KV `tw_sinks`, key = sink id). NATS 2.9 has no per-key TTL:
 * each value carries when it was written, and the bucket's max age only clears old keys.
 */
export class SinkMembers {
  private constructor(
    private readonly kv: KV,
    readonly self: string,
    private readonly staleMs: number,
  ) {}

  static async open(bus: Bus, self: string, staleMs = MEMBER_STALE_MS): Promise<SinkMembers> {
    return new SinkMembers(await openKv(bus.js, KV_BUCKETS.sinks, { maxAgeMs: BUCKET_MAX_AGE_MS }), self, staleMs);
  }

  async heartbeat(now = Date.now()): Promise<void> {
    await this.kv.put(this.self, new TextEncoder().encode(JSON.stringify({ seenAtMs: now } satisfies Presence)));
  }

  /** The live sink ids, sorted; always including this one (it is alive while it asks). */
  async live(now = Date.now()): Promise<string[]> {
    return [...new Set([this.self, ...(await liveIn(this.kv, now, this.staleMs))])].sort();
  }

  /**
   * Heartbeats now and every poll until stopped. A clean stop (`leave`) removes the presence,
   * so the others recompute their share at once instead of after the stale time.
   */
  async present(
    onError: (e: unknown) => void,
    pollMs = SINK_POLL_MS,
  ): Promise<{ stop(leave?: boolean): Promise<void> }> {
    await this.heartbeat();
    const timer = setInterval(() => void this.heartbeat().catch(onError), pollMs);
    return {
      stop: async (leave = true) => {
        clearInterval(timer);
        if (leave) await this.kv.delete(this.self).catch(() => undefined);
      },
    };
  }
}

async function liveIn(kv: KV, now: number, staleMs: number): Promise<string[]> {
  // A key rewritten while the listing runs can be listed twice (it walks the bucket's stream).
  const keys = new Set<string>();
  for await (const k of await kv.keys()) keys.add(k);
  const entries = await Promise.all([...keys].map((k) => kv.get(k)));
  const ids: string[] = [];
  for (const e of entries) {
    if (!e || e.operation !== 'PUT' || e.value.length === 0) continue;
    const p = JSON.parse(new TextDecoder().decode(e.value)) as Presence;
    if (now - p.seenAtMs < staleMs) ids.push(e.key);
  }
  return ids.sort();
}

/** The live sink instances, as someone who is not one sees them (the coordinator's precheck). */
export async function liveSinks(bus: Bus, now = Date.now()): Promise<string[]> {
  return liveIn(await openKv(bus.js, KV_BUCKETS.sinks, { maxAgeMs: BUCKET_MAX_AGE_MS }), now, MEMBER_STALE_MS);
}
