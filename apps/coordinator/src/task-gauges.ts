import type { Component, ServiceContext } from '@tidewater/runtime';
import type { StoredTask, TaskStore } from '@tidewater/task-state';
import { metrics } from '@tidewater/telemetry';
import { lagOf } from './lag.js';

/** How often the coordinator refreshes the per-task gauges from the task states. */
export const TASK_GAUGES_EVERY_MS = 5_000;

/**
 * Sets tidewater_replication_lag_seconds and tidewater_full_rows_done/_estimated for the
 * tasks this coordinator drives (`driven`, task ids), from their states in KV: the lag as
 * the task view computes it (lagOf), so it keeps growing while nothing is applied.
 */
export function taskGauges(ctx: ServiceContext, store: TaskStore, driven: ReadonlySet<string>): Component {
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => setTaskGauges(await store.list(), driven, Date.now());
  return {
    name: 'task-gauges',
    async start() {
      timer = setInterval(() => {
        refresh().catch((e: unknown) => ctx.log.debug('task gauges not refreshed', { err: e }));
      }, TASK_GAUGES_EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}

/** Sets the per-task gauges to the states of the driven tasks as of `now`; series of other tasks go. */
export function setTaskGauges(
  tasks: readonly StoredTask[],
  driven: ReadonlySet<string>,
  now: number,
  m = metrics,
): void {
  m.lag.reset();
  m.fullRowsDone.reset();
  m.fullRowsEstimated.reset();
  for (const { state } of tasks.filter((t) => driven.has(t.state.taskId))) {
    m.lag.set({ task: state.taskId }, lagOf(state, now).lagSeconds);
    for (const t of state.tables) {
      const labels = { task: state.taskId, table: `${t.source?.database}.${t.source?.table}` };
      m.fullRowsDone.set(labels, Number(t.rowsDone));
      m.fullRowsEstimated.set(labels, Number(t.estimatedRows));
    }
  }
}
