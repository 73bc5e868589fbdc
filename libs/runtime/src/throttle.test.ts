import { describe, expect, it } from 'vitest';
import { Throttle } from './throttle.js';

/** A throttle on a fake clock: sleeping moves the clock on at once. */
function paced(rates: ConstructorParameters<typeof Throttle>[0]) {
  let clock = 0;
  const t = new Throttle(rates, { now: () => clock, sleep: async (ms) => void (clock += ms) });
  return {
    t,
    async run(n: number, amounts: Parameters<Throttle['admit']>[0]) {
      for (let i = 0; i < n; i++) await t.admit(amounts);
      return clock;
    },
  };
}

describe('Throttle', () => {
  it('paces rows to the limit whatever the batch size', async () => {
    const p = paced({ rows: 1_000 });
    // 100 batches of 500 rows = 50,000 rows at 1,000 rows/s: 50 s, the first batch included.
    expect(await p.run(100, { rows: 500 })).toBe(50_000);
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
