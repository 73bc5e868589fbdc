import type { Component, ServiceContext } from '@tidewater/runtime';
import type { StoredTask, TaskStore } from '@tidewater/task-state';
import { consumerBacklogs, type ConsumerBacklog } from '@tidewater/bus';
import { metrics } from '@tidewater/telemetry';
import { lagOf } from './lag.js';

/** How often the coordinator refreshes the per-task gauges from the task states. */
export const TASK_GAUGES_EVERY_MS = 5_000;

/**
 * Sets the per-task gauges (lag, applied position and source time, full-copy rows, consumer
 * backlogs) for the tasks this coordinator drives (`driven`, task ids), from their states in
 * KV and the streams' consumers: the lag as the task view computes it (lagOf), so it keeps
 * growing while nothing is applied.
 */
export function taskGauges(ctx: ServiceContext, store: TaskStore, driven: ReadonlySet<string>): Component {
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    setTaskGauges(await store.list(), driven, Date.now());
    setBacklogGauges(await consumerBacklogs(ctx.bus, driven));
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

/** Sets the per-task gauges to the states of the driven tasks as of `now`; series of other tasks go. */
export function setTaskGauges(
  tasks: readonly StoredTask[],
  driven: ReadonlySet<string>,
  now: number,
  m = metrics,
): void {
  m.lag.reset();
  m.appliedPosition.reset();
  m.appliedSourceTime.reset();
  m.fullRowsDone.reset();
  m.fullRowsEstimated.reset();
  for (const { state } of tasks.filter((t) => driven.has(t.state.taskId))) {
    m.lag.set({ task: state.taskId }, lagOf(state, now).lagSeconds);
    const p = state.appliedPosition;
    if (p?.file) m.appliedPosition.set({ task: state.taskId, file: p.file }, Number(p.pos));
    if (state.lastSourceTimeMs > 0n)
      m.appliedSourceTime.set({ task: state.taskId }, Number(state.lastSourceTimeMs) / 1000);
    for (const t of state.tables) {
      const labels = { task: state.taskId, table: `${t.source?.database}.${t.source?.table}` };
      m.fullRowsDone.set(labels, Number(t.rowsDone));
      m.fullRowsEstimated.set(labels, Number(t.estimatedRows));
    }
  }
}

/** Sets the consumer backlog gauges to `backlogs`; consumers gone since (a task stopped, a partition re-leased) drop out. */
export function setBacklogGauges(backlogs: readonly ConsumerBacklog[], m = metrics): void {
  m.consumerPending.reset();
  m.consumerAckPending.reset();
  for (const b of backlogs) {
    m.consumerPending.set({ task: b.task, consumer: b.consumer }, b.pending);
    m.consumerAckPending.set({ task: b.task, consumer: b.consumer }, b.ackPending);
  }
}
