import { describe, expect, it } from 'vitest';
import { startNats } from '@tidewater/testkit';
import { connectBus, KV_BUCKETS, openKv, type Bus } from '@tidewater/bus';
import { TaskState } from '@tidewater/proto';
import type { StoredTask } from '@tidewater/task-state';
import { exclusiveWorkers, STANDBY, type TaskWorker } from './index.js';

const task = (taskId: string): StoredTask => ({ state: TaskState.fromPartial({ taskId }), revision: 1 });

describe('exclusiveWorkers on a real NATS', () => {
  it('runs a task on one instance at a time and hands it over as soon as the holder stopped or ended', async () => {
    await using nats = await startNats();
    const [a, b] = [await connectBus(nats.url, 'a'), await connectBus(nats.url, 'b')];
    try {
      const leases = await openKv(a.js, KV_BUCKETS.leases);
      const holder = async (key: string) => {
        const e = await leases.get(key);
        return e && e.operation === 'PUT' && e.value.length
          ? (JSON.parse(e.string()) as { owner: string }).owner
          : undefined;
      };
      let end!: () => void;
      const worker = async (): Promise<TaskWorker> => ({
        ended: new Promise((resolve) => (end = () => resolve('done'))),
        stop: async () => undefined,
      });
      const instance = (bus: Bus, owner: string, opts = {}) => exclusiveWorkers(bus, 'svc', owner, worker, opts);
      const signal = new AbortController().signal;

      const [sa, sb] = [await instance(a, 'svc-a'), await instance(b, 'svc-b')];
      const wa = await sa(task('t1'), signal);
      expect(await holder('svc.t1')).toBe('svc-a');
      expect(await sb(task('t1'), signal)).toBe(STANDBY);
      // A clean stop releases the lease: the other instance need not wait for it to expire.
      await (wa as TaskWorker).stop();
      const wb = await sb(task('t1'), signal);
      expect(wb).not.toBe(STANDBY);
      expect(await holder('svc.t1')).toBe('svc-b');
      // The holder's worker ends by itself: it gives the lease up and says so.
      end();
      expect(await (wb as TaskWorker).ended).toBe('done');
      expect(await holder('svc.t1')).toBeUndefined();

      // The coordinator's leases are keyed by the task id alone.
      const [ca, cb] = [
        await instance(a, 'coord-a', { leaseKey: (id: string) => id }),
        await instance(b, 'coord-b', { leaseKey: (id: string) => id }),
      ];
      const driver = (await ca(task('t2'), signal)) as TaskWorker;
      expect(await holder('t2')).toBe('coord-a');
      expect(await cb(task('t2'), signal)).toBe(STANDBY);
      await driver.stop();
      expect(await holder('t2')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
