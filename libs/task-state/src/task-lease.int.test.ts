import { describe, expect, it } from 'vitest';
import { startNats } from '@tidewater/testkit';
import { connectBus } from '@tidewater/bus';
import { TaskLeases } from './index.js';

describe('TaskLeases on a real NATS', () => {
  it('lets one coordinator at a time drive a task, and another take over after expiry or release', async () => {
    await using nats = await startNats();
    const [a, b] = [await connectBus(nats.url, 'a'), await connectBus(nats.url, 'b')];
    try {
      const la = await TaskLeases.open(a, 'coord-a', 1_000);
      const lb = await TaskLeases.open(b, 'coord-b', 1_000);
      const t0 = Date.now();
      expect(await la.acquire('task-1', t0)).toBe(true);
      expect(await lb.acquire('task-1', t0 + 10)).toBe(false);
      expect(await la.acquire('task-1', t0 + 500)).toBe(true); // renewal
      expect(await lb.acquire('task-1', t0 + 1_200)).toBe(false); // renewed lease still live
      expect(await lb.acquire('task-1', t0 + 1_600)).toBe(true); // expired: taken over
      expect(await la.acquire('task-1', t0 + 1_700)).toBe(false);
      await lb.release('task-1');
      expect(await la.acquire('task-1', t0 + 1_800)).toBe(true);
      // Racing for a free task: exactly one wins.
      const wins = await Promise.all([la.acquire('task-2'), lb.acquire('task-2')]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      // The same owner asking twice at once (two task-state events) keeps its lease.
      const t1 = Date.now() + 5_000;
      expect(
        await Promise.all([la.acquire('task-3', t1), la.acquire('task-3', t1), la.acquire('task-3', t1 + 1)]),
      ).toEqual([true, true, true]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
