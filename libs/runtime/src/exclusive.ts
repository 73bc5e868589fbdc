import { TaskLeases, type StoredTask } from '@tidewater/task-state';
import type { Bus } from '@tidewater/bus';
import { STANDBY, type TaskWorker } from './task-workers.js';

const LEASE_MS = 15_000;

export interface ExclusiveOptions {
  /** The lease's key for a task; `<service>.<task>` unless given (the coordinator's is the task id). */
  readonly leaseKey?: (taskId: string) => string;
}

/**
 * Wraps a task worker so that one instance of a service runs it at a time (a lease
 * `<service>.<task>` in KV `tw_leases`): the coordinator has one driver per task, capture one
 * binlog reader and transform one ordered consumer (invariant O1). Other instances stand by
 * and take over within about 20 s when the holder stops renewing. A worker releases only its
 * own lease, and only after it stopped.
 */
export async function exclusiveWorkers(
  bus: Bus,
  service: string,
  owner: string,
  start: (t: StoredTask, signal: AbortSignal) => Promise<TaskWorker>,
  opts: ExclusiveOptions = {},
): Promise<(t: StoredTask, signal: AbortSignal) => Promise<TaskWorker | typeof STANDBY>> {
  const leases = await TaskLeases.open(bus, owner, LEASE_MS);
  const leaseKey = opts.leaseKey ?? ((taskId: string) => `${service}.${taskId}`);
  return async (t, signal) => {
    const key = leaseKey(t.state.taskId);
    if (!(await leases.acquire(key))) return STANDBY;
    let worker: TaskWorker;
    try {
      worker = await start(t, signal);
    } catch (e) {
      await leases.release(key);
      throw e;
    }
    let end!: (why: 'lost' | 'done') => void;
    const ended = new Promise<'lost' | 'done'>((resolve) => (end = resolve));
    let stopped = false;
    const renewal = setInterval(() => {
      void leases.acquire(key).then(
        async (held) => {
          if (held || stopped) return;
          // Another instance holds it now (this one stalled past the lease): step down.
          stopped = true;
          clearInterval(renewal);
          await worker.stop().catch(() => undefined);
          end('lost');
        },
        () => undefined,
      );
    }, LEASE_MS / 3);
    // A worker that ended by itself gives its lease up: the task is offered again if it still wants one.
    void worker.ended?.then(async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(renewal);
      await leases.release(key);
      end('done');
    });
    return {
      update: worker.update?.bind(worker),
      ended,
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
