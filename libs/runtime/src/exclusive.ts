import { TaskLeases, type StoredTask } from '@tidewater/task-state';
import type { Bus } from '@tidewater/bus';
import { STANDBY, type TaskWorker } from './task-workers.js';

const LEASE_MS = 15_000;

/**
 * Wraps a task worker so that one instance of a service runs it at a time (a lease
 * `<service>.<task>` in KV `tw_leases`): capture has one binlog reader per task and transform
 * one ordered consumer (invariant O1). Other instances stand by and take over within about
 * 20 s when the holder stops renewing.
 */
export async function exclusiveWorkers(bus: Bus, service: string, owner: string, start: (t: StoredTask, signal: AbortSignal) => Promise<TaskWorker>): Promise<(t: StoredTask, signal: AbortSignal) => Promise<TaskWorker | typeof STANDBY>> {
  const leases = await TaskLeases.open(bus, owner, LEASE_MS);
  return async (t, signal) => {
    const key = `${service}.${t.state.taskId}`;
    if (!(await leases.acquire(key))) return STANDBY;
    let worker: TaskWorker;
    try {
      worker = await start(t, signal);
    } catch (e) {
      await leases.release(key);
      throw e;
    }
    let lostLease!: () => void;
    const lost = new Promise<void>((resolve) => (lostLease = resolve));
    let stopped = false;
    const renewal = setInterval(() => {
      void leases.acquire(key).then(async (held) => {
        if (held || stopped) return;
        // Another instance holds it now (this one stalled past the lease): step down.
        stopped = true;
        clearInterval(renewal);
        await worker.stop().catch(() => undefined);
        lostLease();
      }, () => undefined);
    }, LEASE_MS / 3);
    return {
      update: worker.update?.bind(worker),
      lost,
      async stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(renewal);
        await worker.stop();
        await leases.release(key);
      },
    };
  };
}
