import type { Logger } from '@tidewater/telemetry';
import type { TaskStore, StoredTask } from '@tidewater/task-state';
import type { Component } from './lifecycle.js';

export interface TaskWorker {
  /** Called with every new state of the task while the worker runs. */
  update?(t: StoredTask): void;
  stop(): Promise<void>;
}

/**
 * Runs one worker per task that `wants` says this service should work on, starting and
 * stopping them as task states change in KV.
 */
export function taskWorkers(
  name: string,
  store: TaskStore,
  log: Logger,
  wants: (t: StoredTask) => boolean,
  start: (t: StoredTask, signal: AbortSignal) => Promise<TaskWorker>,
): Component {
  const running = new Map<string, Promise<TaskWorker | undefined>>();
  const latest = new Map<string, StoredTask>();
  const controller = new AbortController();
  const stopOne = (id: string) => {
    const w = running.get(id);
    running.delete(id);
    void w?.then((x) => x?.stop()).catch((e: unknown) => log.warn('worker stop failed', { task: id, err: e }));
  };
  return {
    name,
    async start(signal) {
      signal.addEventListener('abort', () => controller.abort(), { once: true });
      const onState = (ev: StoredTask): void => {
        const id = ev.state.taskId;
        latest.set(id, ev);
        let want: boolean;
        try {
          want = wants(ev);
        } catch (e) {
          log.error('cannot read task', { task: id, err: e });
          want = false;
        }
        if (want && !running.has(id)) {
          running.set(id, start(ev, controller.signal).catch((e: unknown) => {
            // e.g. the destination is still held by the worker being replaced: try again
            // with the task's latest state for as long as the task wants a worker here.
            log.error('task worker failed to start; retrying', { task: id, err: e });
            running.delete(id);
            setTimeout(() => {
              const now = latest.get(id);
              if (now && !controller.signal.aborted && !running.has(id)) onState(now);
            }, 2_000).unref();
            return undefined;
          }));
        } else if (want) {
          void running.get(id)!.then((w) => w?.update?.(ev));
        } else if (running.has(id)) {
          stopOne(id);
        }
      };
      await store.watch(controller.signal, (ev) => {
        if ('deleted' in ev) {
          latest.delete(ev.deleted);
          return stopOne(ev.deleted);
        }
        onState(ev);
      });
    },
    async stop() {
      controller.abort();
      await Promise.allSettled([...running.values()].map(async (w) => (await w)?.stop()));
      running.clear();
    },
  };
}
