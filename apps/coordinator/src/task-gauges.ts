import type { Component, ServiceContext } from '@tidewater/runtime';
import type { TaskStore } from '@tidewater/task-state';
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
  const refresh = async () => {
    const tasks = (await store.list()).filter((t) => driven.has(t.state.taskId));
    const now = Date.now();
    metrics.lag.reset();
    metrics.fullRowsDone.reset();
    metrics.fullRowsEstimated.reset();
    for (const { state } of tasks) {
      metrics.lag.set({ task: state.taskId }, lagOf(state, now).lagSeconds);
      for (const t of state.tables) {
        const labels = { task: state.taskId, table: `${t.source?.database}.${t.source?.table}` };
        metrics.fullRowsDone.set(labels, Number(t.rowsDone));
        metrics.fullRowsEstimated.set(labels, Number(t.estimatedRows));
      }
    }
  };
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
