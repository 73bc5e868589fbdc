import type { TaskSpec } from '@tidewater/config';
import { Stage } from '@tidewater/proto';
import { exclusiveWorkers, taskWorkers, type Component, type ServiceContext } from '@tidewater/runtime';
import type { StoredTask, TaskStore } from '@tidewater/task-state';
import { metrics, type Metrics } from '@tidewater/telemetry';
import { alertWorker } from './alert-worker.js';

/** Stages whose task can raise an alert: running, paused or failed. */
const WATCHED: ReadonlySet<Stage> = new Set([
  Stage.STAGE_SCHEMA,
  Stage.STAGE_FULL,
  Stage.STAGE_INCREMENTAL,
  Stage.STAGE_PAUSED,
  Stage.STAGE_FAILED,
]);

/**
 * Whether a task's alerts need evaluating: it has a rule and can raise an alert, or an alert
 * of it still fires or was sent within the interval (a stopped task still sends "resolved").
 */
export function wantsAlerts(t: StoredTask): boolean {
  const rules = (JSON.parse(t.state.specJson || '{}') as Partial<TaskSpec>).alerts?.rules;
  const any = rules !== undefined && Object.values(rules).some((r) => r !== undefined && r !== false);
  return (any && WATCHED.has(t.state.stage)) || t.state.alerts.length > 0;
}

/**
 * One alert worker per task that wants one, run by one coordinator instance at a time (lease
 * `alerts.<task>` in KV `tw_leases`). Not the task's driver: a paused or failed task has no
 * driver, and its alerts are the ones that matter most.
 */
export function taskAlerts(ctx: ServiceContext, store: TaskStore): Component {
  let workers: Component | undefined;
  return {
    name: 'task-alerts',
    async start(signal) {
      const start = await exclusiveWorkers(ctx.bus, 'alerts', ctx.config.instanceId, async (t) =>
        alertWorker({ store, log: ctx.log }, t),
      );
      workers = taskWorkers('task-alerts', store, ctx.log, wantsAlerts, start);
      await workers.start(signal);
      // The stage of every task, for Prometheus rules of the same conditions (deploy/prometheus).
      await store.watch(signal, (ev) => setStageGauge(ev));
    },
    async stop() {
      await workers?.stop();
    },
  };
}

type StageLabels = { task: string; stage: string; code: string };
const shownStage = new WeakMap<Metrics, Map<string, StageLabels>>();
const stageLabel = (s: Stage) => (Stage[s] ?? 'STAGE_UNSPECIFIED').replace('STAGE_', '').toLowerCase();

/** tidewater_task_stage: 1 for the task's current stage (with its error code); its previous series goes. */
export function setStageGauge(ev: StoredTask | { deleted: string }, m: Metrics = metrics): void {
  const task = 'deleted' in ev ? ev.deleted : ev.state.taskId;
  let shown = shownStage.get(m);
  if (!shown) shownStage.set(m, (shown = new Map()));
  const before = shown.get(task);
  if (before) m.taskStage.remove(before);
  shown.delete(task);
  if ('deleted' in ev) return;
  const labels = { task, stage: stageLabel(ev.state.stage), code: ev.state.errorCode };
  m.taskStage.set(labels, 1);
  shown.set(task, labels);
}
