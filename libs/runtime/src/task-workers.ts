import type { Logger } from '@tidewater/telemetry';
import { FaultReporter, type TaskStore, type StoredTask } from '@tidewater/task-state';
import type { Bus } from '@tidewater/bus';
import type { Component } from './lifecycle.js';

export interface TaskWorker {
  /** Called with every new state of the task while the worker runs. */
  update?(t: StoredTask): void;
  stop(): Promise<void>;
  /**
   * Settles when the worker gave up the task by itself: it `lost` its exclusive lease, or is
   * `done` (a coordinator's driver whose task needs no driver now). The task is offered to
   * `start` again after the standby recheck, if it still wants a worker here.
   */
  readonly ended?: Promise<'lost' | 'done'>;
}

/** `start` may answer STANDBY: another instance works on the task; ask again later. */
export const STANDBY = 'standby';

/** How often a standby instance checks whether it may take a task over. */
const STANDBY_RECHECK_MS = 5_000;

/** Reports a worker that cannot start to the task (as `<service>/start`), so it shows as retrying or failed. */
export interface StartFaults {
  readonly bus: Bus;
  readonly service: string;
}

/**
 * Runs one worker per task that `wants` says this service should work on, starting and
 * stopping them as task states change in KV. A task's new worker starts only after its
 * previous one has stopped (and released what it held, e.g. its lease or the destination).
 */
export function taskWorkers(
  name: string,
  store: TaskStore,
  log: Logger,
  wants: (t: StoredTask) => boolean,
  start: (t: StoredTask, signal: AbortSignal) => Promise<TaskWorker | typeof STANDBY>,
  startFaults?: StartFaults,
): Component {
  const reporters = new Map<string, FaultReporter>();
  const reporter = (id: string) => {
    let r = reporters.get(id);
    if (!r && startFaults)
      reporters.set(id, (r = new FaultReporter(startFaults.bus, id, `${startFaults.service}/start`)));
    return r;
  };
  const running = new Map<string, Promise<TaskWorker | undefined>>();
  /** Workers being stopped, until they have. */
  const stopping = new Map<string, Promise<void>>();
  const latest = new Map<string, StoredTask>();
  const controller = new AbortController();
  const recheck = (id: string, ms: number) =>
    setTimeout(() => {
      const now = latest.get(id);
      if (now && !controller.signal.aborted && !running.has(id)) onState(now);
    }, ms).unref();
  let onState: (ev: StoredTask) => void = () => undefined;
  const stopOne = (id: string) => {
    reporters.get(id)?.forget();
    const w = running.get(id);
    running.delete(id);
    const previous = stopping.get(id);
    const done = (async () => {
      await previous;
      await (await w)?.stop();
    })().catch((e: unknown) => log.warn('worker stop failed', { task: id, err: e }));
    stopping.set(id, done);
    void done.then(() => {
      if (stopping.get(id) === done) stopping.delete(id);
    });
  };
  return {
    name,
    async start(signal) {
      signal.addEventListener('abort', () => controller.abort(), { once: true });
      onState = (ev: StoredTask): void => {
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
          const started = (stopping.get(id) ?? Promise.resolve())
            .then(() => start(ev, controller.signal))
            .then(
              (w) => {
                if (w === STANDBY) {
                  if (running.get(id) === started) running.delete(id);
                  recheck(id, STANDBY_RECHECK_MS);
                  return undefined;
                }
                reporter(id)?.recovered();
                void w.ended?.then((why) => {
                  if (running.get(id) !== started) return;
                  if (why === 'lost')
                    log.warn('task worker lost its lease; another instance took the task over', { task: id });
                  running.delete(id);
                  recheck(id, STANDBY_RECHECK_MS);
                });
                return w;
              },
              (e: unknown) => {
                // e.g. the destination is still held by the worker being replaced: try again
                // with the task's latest state for as long as the task wants a worker here.
                log.error('task worker failed to start; retrying', { task: id, err: e });
                reporter(id)?.failed(e);
                if (running.get(id) === started) running.delete(id);
                recheck(id, 2_000);
                return undefined;
              },
            );
          running.set(id, started);
        } else if (want) {
          void running.get(id)!.then((w) => w?.update?.(ev));
        } else if (running.has(id)) {
          stopOne(id);
        }
      };
      await store.watch(controller.signal, (ev) => {
        if ('deleted' in ev) {
          latest.delete(ev.deleted);
          stopOne(ev.deleted);
          reporters.delete(ev.deleted);
          return;
        }
        onState(ev);
      });
    },
    async stop() {
      controller.abort();
      await Promise.allSettled([...running.values()].map(async (w) => (await w)?.stop()));
      running.clear();
      await Promise.allSettled(stopping.values());
    },
  };
}
