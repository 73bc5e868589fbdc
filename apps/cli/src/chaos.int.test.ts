import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';

/** What the test reads of tools/chaos/soak.ts's `runSoak` result. */
interface SoakResult {
  readonly injected: Record<string, number>;
  readonly failedOver: boolean;
  readonly transactions: number;
  readonly lost: number;
  readonly extra: number;
  readonly changed: number;
  readonly duplicates: number;
  readonly section: string;
  readonly verdicts: readonly { readonly table: string; readonly epochs: number }[];
}
type RunSoak = (o: { minutes: number; seed: number; rate?: number }) => Promise<SoakResult>;

// tools/chaos is outside this project's sources (its rootDir): loaded when the test runs. The
// soak starts and removes its own MariaDB primary and replica, NATS, services and scratch dir.
const soakModule = fileURLToPath(new URL('../../../tools/chaos/soak.ts', import.meta.url));

describe('chaos soak (issue 14)', () => {
  it(
    'keeps _merged equal to the source and _log free of duplicates through 2 minutes of faults and a failover',
    async () => {
      const { runSoak } = (await import(soakModule)) as { runSoak: RunSoak };
      // Paced, so the soak leaves room for the other integration file running beside it.
      const r = await runSoak({ minutes: 2, seed: 3, rate: 40 });
      console.log(r.section);
      expect(r.failedOver).toBe(true);
      // The replica's changes went on under the next epoch (F1), in both tables.
      expect(r.verdicts.map((v) => v.epochs)).toEqual([2, 2]);
      expect(r.transactions).toBeGreaterThan(0);
      // Seed 3 draws every kind within 2 minutes, each hitting a running target; its MariaDB
      // restarts fall one before the failover (the primary) and one after it (the replica).
      for (const kind of ['capture', 'transform', 'sink', 'snapshot', 'coordinator', 'nats', 'mariadb', 'failover'])
        expect(r.injected[kind], kind).toBeGreaterThanOrEqual(1);
      expect({ lost: r.lost, extra: r.extra, changed: r.changed, duplicates: r.duplicates }).toEqual({
        lost: 0,
        extra: 0,
        changed: 0,
        duplicates: 0,
      });
    },
    // Servers and full copy, 2 minutes of load, catch-up and the comparison: far below this.
    1_200_000,
  );
});
