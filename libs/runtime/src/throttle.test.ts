import { describe, expect, it } from 'vitest';
import { Throttle } from './throttle.js';

/** A throttle on a fake clock: sleeping moves the clock on at once. */
function paced(rates: ConstructorParameters<typeof Throttle>[0]) {
  let clock = 1_000_000;
  const began = clock;
  const t = new Throttle(rates, { now: () => clock, sleep: async (ms) => void (clock += ms) });
  return {
    t,
    /** n admissions, each followed by `workMs` of the caller's own work; the time taken. */
    async run(n: number, amounts: Parameters<Throttle['admit']>[0], workMs = 0) {
      const from = clock;
      for (let i = 0; i < n; i++) {
        await t.admit(amounts);
        clock += workMs;
      }
      return clock - from;
    },
    pause(ms: number) {
      clock += ms;
    },
    elapsed: () => clock - began,
  };
}

describe('Throttle', () => {
  it('paces rows to the limit whatever the batch size', async () => {
    const p = paced({ rows: 1_000 });
    // 100 batches of 500 rows = 50,000 rows at 1,000 rows/s: 50 s, the first batch included.
    expect(await p.run(100, { rows: 500 })).toBe(50_000);
  });

  it("overlaps the caller's own work between admissions with the schedule, without exceeding the limit", async () => {
    const p = paced({ rows: 20_000 });
    // 1,000-row batches (50 ms each at 20,000 rows/s), 10 ms of publishing after each: the
    // work hides inside the schedule, 100 batches take 5 s (+ the last batch's work), not 6 s.
    expect(await p.run(100, { rows: 1_000 }, 10)).toBe(5_010);
    // Every admission so far ended no earlier than its share of the limit.
    expect(100_000 / ((p.elapsed() - 10) / 1000)).toBeLessThanOrEqual(20_000);
  });

  it('earns no credit from idleness: after a pause the first batch waits its whole booking', async () => {
    const p = paced({ rows: 1_000 });
    await p.run(1, { rows: 500 });
    p.pause(10_000);
    expect(await p.run(1, { rows: 500 })).toBe(500);
  });

  it('applies the strictest of several limits', async () => {
    const p = paced({ rows: 10_000, bytes: 1_000_000 });
    // 1 MB per batch at 1 MB/s dominates 100 rows at 10,000 rows/s.
    expect(await p.run(10, { rows: 100, bytes: 1_000_000 })).toBe(10_000);
  });

  it('does nothing without limits, and a new rate applies to later bookings', async () => {
    const p = paced({});
    expect(await p.run(1_000, { rows: 1_000_000 })).toBe(0);
    p.t.setRates({ queries: 2 });
    expect(p.t.limited).toBe(true);
    expect(await p.run(5, { queries: 1 })).toBe(2_500);
  });

  it('stops waiting when aborted', async () => {
    const t = new Throttle({ rows: 1 });
    const c = new AbortController();
    const waiting = t.admit({ rows: 1_000 }, c.signal);
    c.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
