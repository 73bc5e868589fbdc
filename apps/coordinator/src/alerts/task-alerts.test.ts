import { describe, expect, it } from 'vitest';
import { AlertState, Stage, TaskState } from '@tidewater/proto';
import { Metrics } from '@tidewater/telemetry';
import { setStageGauge, wantsAlerts } from './task-alerts.js';

const task = (stage: Stage, alerts: unknown, state: Partial<TaskState> = {}) => ({
  revision: 1,
  state: TaskState.fromPartial({
    taskId: 't',
    stage,
    specJson: JSON.stringify({ name: 't', ...(alerts === undefined ? {} : { alerts }) }),
    ...state,
  }),
});

describe('wantsAlerts', () => {
  const on = { webhooks: [], rules: { failed: true }, interval: 10 };
  it('evaluates a task with a rule while it runs, is paused or failed (no driver then)', () => {
    for (const s of [
      Stage.STAGE_SCHEMA,
      Stage.STAGE_FULL,
      Stage.STAGE_INCREMENTAL,
      Stage.STAGE_PAUSED,
      Stage.STAGE_FAILED,
    ])
      expect(wantsAlerts(task(s, on))).toBe(true);
    for (const s of [Stage.STAGE_CREATED, Stage.STAGE_PRECHECKED, Stage.STAGE_COMPLETED, Stage.STAGE_STOPPED])
      expect(wantsAlerts(task(s, on))).toBe(false);
  });

  it('not without rules, but still while an alert state remains (a stopped task sends its resolved)', () => {
    expect(wantsAlerts(task(Stage.STAGE_FAILED, undefined))).toBe(false);
    expect(wantsAlerts(task(Stage.STAGE_FAILED, { ...on, rules: { failed: false } }))).toBe(false);
    const firing = [AlertState.fromPartial({ rule: 'lag', sinceMs: 1n, firingSinceMs: 1n, announced: true })];
    expect(wantsAlerts(task(Stage.STAGE_STOPPED, undefined, { alerts: firing }))).toBe(true);
  });
});

describe('setStageGauge', () => {
  it("keeps one series per task: its current stage and error code; a deleted task's goes", async () => {
    const m = new Metrics({ processMetrics: false });
    const series = async () =>
      (await m.taskStage.get()).values.map((v) => [v.labels.task, v.labels.stage, v.labels.code, v.value]);
    setStageGauge(task(Stage.STAGE_INCREMENTAL, undefined), m);
    expect(await series()).toEqual([['t', 'incremental', '', 1]]);
    setStageGauge(task(Stage.STAGE_PAUSED, undefined, { errorCode: 'TW_UNSUPPORTED_DDL' }), m);
    expect(await series()).toEqual([['t', 'paused', 'TW_UNSUPPORTED_DDL', 1]]);
    setStageGauge({ deleted: 't' }, m);
    expect(await series()).toEqual([]);
  });
});
