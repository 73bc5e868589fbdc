import { describe, expect, it } from 'vitest';
import { startNats, waitFor } from '@tidewater/testkit';
import { connectBus, type Bus } from '@tidewater/bus';
import { PartitionLeases, PartitionOwner, SinkMembers, newSinkId, type RunningPartition } from './index.js';

// Shortened times (the service uses 15 s / 5 s / 10 s): the same protocol, a faster test.
const LEASE_MS = 3_000;
const POLL_MS = 500;
const STALE_MS = 1_000;
const PARTITIONS = 8;

/** Who runs each partition, as the partitions themselves see it; every overlap is recorded. */
class Ledger {
  readonly running = new Map<number, Set<string>>();
  readonly overlaps: string[] = [];
  private readonly epochs = new Map<number, number>();

  start(sink: string, p: number, epoch: number): RunningPartition {
    const set = this.running.get(p) ?? new Set();
    if (set.size > 0) this.overlaps.push(`partition ${p} started by ${sink} while run by ${[...set].join(',')}`);
    if (epoch <= (this.epochs.get(p) ?? 0))
      this.overlaps.push(`partition ${p} epoch ${epoch} not above ${this.epochs.get(p)}`);
    this.epochs.set(p, epoch);
    set.add(sink);
    this.running.set(p, set);
    return {
      // An in-flight write takes a while to settle: the handover must wait for it.
      stop: async () => {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
        set.delete(sink);
      },
      ended: new Promise(() => undefined),
    };
  }

  sample(): void {
    for (const [p, s] of this.running) if (s.size > 1) this.overlaps.push(`partition ${p} run by ${[...s].join(',')}`);
  }

  owners(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [p, s] of this.running) for (const id of s) out.set(id, [...(out.get(id) ?? []), p]);
    return out;
  }

  /** Every partition run by exactly one of `sinks`. */
  coveredBy(sinks: readonly string[]): boolean {
    for (let p = 0; p < PARTITIONS; p++) {
      const s = this.running.get(p);
      if (!s || s.size !== 1 || !sinks.includes([...s][0]!)) return false;
    }
    return true;
  }
}

interface Instance {
  readonly id: string;
  readonly bus: Bus;
  readonly owner: PartitionOwner;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function instance(url: string, ledger: Ledger, name: string): Promise<Instance> {
  const id = newSinkId(name);
  const bus = await connectBus(url, id);
  const members = await SinkMembers.open(bus, id, STALE_MS);
  const presence = await members.present(() => undefined, POLL_MS);
  const owner = new PartitionOwner({
    taskId: 'task1',
    partitions: () => PARTITIONS,
    leases: await PartitionLeases.open(bus, id, LEASE_MS),
    members,
    pollMs: POLL_MS,
    start: (p, epoch) => ledger.start(id, p, epoch),
  });
  owner.start();
  return {
    id,
    bus,
    owner,
    async kill() {
      // A process that died: no more heartbeats or renewals, nothing released.
      await presence.stop(false);
      owner.abandon();
      await bus.close();
    },
    async stop() {
      await owner.stop();
      await presence.stop();
      await bus.close();
    },
  };
}

describe('sink partition ownership on a real NATS', () => {
  it('shares 8 partitions fairly, never runs one twice, takes a dead sink’s over and rebalances for a new one', async () => {
    await using nats = await startNats();
    const ledger = new Ledger();
    const sampler = setInterval(() => ledger.sample(), 10);
    const sinks: Instance[] = [];
    try {
      for (const n of ['a', 'b', 'c']) sinks.push(await instance(nats.url, ledger, n));
      const fair = (ids: string[], lo: number, hi: number) => () =>
        Promise.resolve(
          ledger.coveredBy(ids) &&
            ids.every((id) => (ledger.owners().get(id)?.length ?? 0) >= lo) &&
            ids.every((id) => (ledger.owners().get(id)?.length ?? 0) <= hi),
        );
      const three = sinks.map((s) => s.id);
      await waitFor(fair(three, 2, 3), { timeoutMs: 30_000, what: 'three sinks owning 2–3 partitions each' });

      // Kill the one owning the most: its partitions wait for its leases to expire.
      const victim = sinks.sort((x, y) => y.owner.owned().length - x.owner.owned().length)[0]!;
      const lost = victim.owner.owned();
      const killedAt = Date.now();
      await victim.kill();
      const survivors = sinks.slice(1).map((s) => s.id);
      await waitFor(fair(survivors, 4, 4), {
        timeoutMs: LEASE_MS + 4 * POLL_MS,
        intervalMs: 20,
        what: `partitions ${lost.join(',')} of the killed sink taken over`,
      });
      const takeoverMs = Date.now() - killedAt;
      console.log(
        `takeover of ${lost.length} partitions after a kill: ${takeoverMs} ms (lease ${LEASE_MS} ms, poll ${POLL_MS} ms)`,
      );
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_MS + 2 * POLL_MS);

      // A fourth sink joins (three live), then a fifth (four live, 2 each): handed over without overlap.
      sinks.splice(0, 1);
      sinks.push(await instance(nats.url, ledger, 'd'));
      await waitFor(
        fair(
          sinks.map((s) => s.id),
          2,
          3,
        ),
        { timeoutMs: 30_000, what: 'a fourth sink (third live) owning its share' },
      );
      sinks.push(await instance(nats.url, ledger, 'e'));
      await waitFor(
        fair(
          sinks.map((s) => s.id),
          2,
          2,
        ),
        { timeoutMs: 30_000, what: 'four sinks owning 2 each' },
      );

      // A clean stop releases at once: the others take its partitions without waiting for expiry.
      const leaving = sinks.pop()!;
      const stoppedAt = Date.now();
      await leaving.stop();
      await waitFor(
        fair(
          sinks.map((s) => s.id),
          2,
          3,
        ),
        { timeoutMs: 30_000, intervalMs: 20, what: 'release taken over' },
      );
      const releaseMs = Date.now() - stoppedAt;
      console.log(`takeover after a clean stop: ${releaseMs} ms`);
      expect(releaseMs).toBeLessThan(LEASE_MS);
      expect(ledger.overlaps).toEqual([]);
    } finally {
      clearInterval(sampler);
      await Promise.allSettled(sinks.map((s) => s.stop()));
    }
  });
});
