import { describe, expect, it } from 'vitest';
import { AlertState, Retrying, Stage, TaskState } from '@tidewater/proto';
import type { AlertRules } from '@tidewater/config';
import { conditionsOf, type Condition } from './conditions.js';
import { evaluateAlerts, firingAlerts, type Evaluation } from './evaluate.js';

const T = 1_700_000_000_000;
const MIN = 60_000;
const INTERVAL = 10 * MIN;

const lag = (holds: boolean, value = holds ? 50 : 5): Condition => ({
  rule: 'lag',
  holds,
  forMs: 2 * MIN,
  severity: 'warning',
  value,
  threshold: 30,
  summary: holds ? `lag ${value}` : `lag back ${value}`,
});

/** Runs the evaluator over `steps` (time, conditions), feeding each result into the next. */
function run(steps: [number, Condition[]][], start: AlertState[] = []): Evaluation[] {
  let prev = start;
  return steps.map(([at, conds]) => {
    const e = evaluateAlerts(conds, prev, at, INTERVAL);
    prev = e.next;
    return e;
  });
}

describe('evaluateAlerts', () => {
  it('stays quiet while the condition holds for less than its duration, then fires once', () => {
    const [a, b, c] = run([
      [T, [lag(true)]],
      [T + MIN, [lag(true)]],
      [T + 2 * MIN, [lag(true, 60)]],
    ]);
    expect(a!.messages).toEqual([]);
    expect(a!.next[0]).toMatchObject({ rule: 'lag', sinceMs: BigInt(T), firingSinceMs: 0n, announced: false });
    expect(b!.messages).toEqual([]);
    expect(c!.messages).toEqual([
      {
        rule: 'lag',
        status: 'firing',
        severity: 'warning',
        summary: 'lag 60',
        value: 60,
        threshold: 30,
        since: T,
        at: T + 2 * MIN,
      },
    ]);
    expect(firingAlerts(c!.next)).toEqual([
      { rule: 'lag', sinceMs: BigInt(T), severity: 'warning', summary: 'lag 60' },
    ]);
  });

  it('forgets a pending condition that clears before its duration, without a message', () => {
    const [, b, c] = run([
      [T, [lag(true)]],
      [T + MIN, [lag(false)]],
      [T + 2 * MIN, [lag(true)]],
    ]);
    expect(b!.messages).toEqual([]);
    expect(b!.next).toEqual([]);
    // Pending again from the new start: not firing after two minutes of the first start.
    expect(c!.messages).toEqual([]);
    expect(c!.next[0]!.sinceMs).toBe(BigInt(T + 2 * MIN));
  });

  it('fires at once when the duration is zero and takes the condition start from the task state', () => {
    const c: Condition = { ...lag(true), rule: 'retrying', forMs: 5 * MIN, since: T - 5 * MIN };
    const [a] = run([[T, [c]]]);
    expect(a!.messages.map((m) => [m.rule, m.status, m.since])).toEqual([['retrying', 'firing', T - 5 * MIN]]);
    const [z] = run([[T, [{ ...lag(true), forMs: 0 }]]]);
    expect(z!.messages).toHaveLength(1);
  });

  it('reminds at most once per interval while firing, with the current value', () => {
    const steps: [number, Condition[]][] = [[T, [{ ...lag(true), forMs: 0 }]]];
    for (let t = T + MIN; t <= T + 25 * MIN; t += MIN) steps.push([t, [{ ...lag(true, t), forMs: 0 }]]);
    const sent = run(steps).flatMap((e) => e.messages);
    expect(sent.map((m) => m.at)).toEqual([T, T + 10 * MIN, T + 20 * MIN]);
    expect(sent[1]!.value).toBe(T + 10 * MIN);
    expect(sent.every((m) => m.status === 'firing' && m.since === T)).toBe(true);
  });

  it('writes nothing new while firing between reminders (the state is not rewritten each tick)', () => {
    const [a, b] = run([
      [T, [{ ...lag(true, 40), forMs: 0 }]],
      [T + MIN, [{ ...lag(true, 41), forMs: 0 }]],
    ]);
    expect(b!.next).toEqual(a!.next);
  });

  it('sends resolved once when a firing alert clears, and keeps the entry for the rest of the interval', () => {
    const [, b, c, d] = run([
      [T, [{ ...lag(true), forMs: 0 }]],
      [T + MIN, [lag(false, 3)]],
      [T + 2 * MIN, [lag(false)]],
      [T + 10 * MIN, [lag(false)]],
    ]);
    expect(b!.messages).toEqual([
      {
        rule: 'lag',
        status: 'resolved',
        severity: 'warning',
        summary: 'lag back 3',
        value: 3,
        threshold: 30,
        since: T,
        at: T + MIN,
      },
    ]);
    expect(b!.next).toEqual([
      expect.objectContaining({ rule: 'lag', sinceMs: 0n, firingSinceMs: 0n, lastSentMs: BigInt(T) }),
    ]);
    expect(firingAlerts(b!.next)).toEqual([]);
    expect(c!.messages).toEqual([]);
    expect(d!.next).toEqual([]);
  });

  it('a flap within the interval fires without a message, and one that clears unannounced sends no resolved', () => {
    const on = { ...lag(true), forMs: 0 };
    const [, , c, d, e, f] = run([
      [T, [on]],
      [T + MIN, [lag(false)]],
      [T + 2 * MIN, [on]],
      [T + 3 * MIN, [lag(false)]],
      [T + 4 * MIN, [on]],
      [T + 10 * MIN, [on]],
    ]);
    expect(c!.messages).toEqual([]);
    expect(firingAlerts(c!.next)).toHaveLength(1);
    expect(d!.messages).toEqual([]);
    expect(e!.messages).toEqual([]);
    expect(f!.messages.map((m) => [m.status, m.since])).toEqual([['firing', T + 4 * MIN]]);
  });

  it('resolves an announced alert whose rule was removed from the spec', () => {
    const [, b] = run([
      [T, [{ ...lag(true), forMs: 0 }]],
      [T + MIN, []],
    ]);
    expect(b!.messages).toEqual([
      expect.objectContaining({ rule: 'lag', status: 'resolved', summary: 'alert rule lag is no longer configured' }),
    ]);
  });

  it('after a takeover continues from the stored state: no second firing, the resolved still goes out', () => {
    const [a] = run([[T, [{ ...lag(true), forMs: 0 }]]]);
    // Another coordinator reads the alert state back from the task state (KV).
    const stored = a!.next.map((x) => AlertState.decode(AlertState.encode(x).finish()));
    const [b, c] = run(
      [
        [T + 3 * MIN, [{ ...lag(true), forMs: 0 }]],
        [T + 4 * MIN, [lag(false)]],
      ],
      stored,
    );
    expect(b!.messages).toEqual([]);
    expect(c!.messages.map((m) => [m.status, m.since])).toEqual([['resolved', T]]);
    // A takeover while pending keeps the start: it fires at the original start + duration.
    const [p] = run([[T, [lag(true)]]]);
    const [q] = run([[T + 2 * MIN, [lag(true)]]], p!.next);
    expect(q!.messages.map((m) => m.status)).toEqual(['firing']);
  });

  it('keeps rules apart and in rule order', () => {
    const failed: Condition = { ...lag(true), rule: 'failed', forMs: 0, severity: 'critical' };
    const [a] = run([[T, [{ ...lag(true), forMs: 0 }, failed]]]);
    expect(a!.messages.map((m) => m.rule)).toEqual(['lag', 'failed']);
    const [b] = run(
      [
        [
          T + MIN,
          [
            { ...lag(true), forMs: 0 },
            { ...failed, holds: false },
          ],
        ],
      ],
      a!.next,
    );
    expect(b!.messages.map((m) => [m.rule, m.status])).toEqual([['failed', 'resolved']]);
  });
});

describe('conditionsOf', () => {
  const rules: AlertRules = {
    lag: { seconds: 30, forMinutes: 2 },
    failed: true,
    pausedByDdl: true,
    retrying: { forMinutes: 5 },
    fullCopy: { hours: 24 },
  };
  const at = (partial: Partial<TaskState>, lagSeconds = 0, now = T) =>
    Object.fromEntries(conditionsOf(TaskState.fromPartial(partial), rules, lagSeconds, now).map((c) => [c.rule, c]));

  it('lag holds above the threshold while streaming only', () => {
    expect(at({ stage: Stage.STAGE_INCREMENTAL }, 31).lag).toMatchObject({
      holds: true,
      value: 31,
      threshold: 30,
      forMs: 2 * MIN,
    });
    expect(at({ stage: Stage.STAGE_INCREMENTAL }, 30).lag!.holds).toBe(false);
    expect(at({ stage: Stage.STAGE_PAUSED, pausedFrom: Stage.STAGE_INCREMENTAL }, 300).lag!.holds).toBe(false);
  });

  it('failed and pausedByDdl come from the stage and error code, with the cause in the summary', () => {
    const f = at({ stage: Stage.STAGE_FAILED, errorCode: 'TW_UNSUPPORTED_TYPE', errorMessage: 'column t.u: UUID' });
    expect(f.failed).toMatchObject({ holds: true, forMs: 0, severity: 'critical' });
    expect(f.failed!.summary).toBe('task failed: TW_UNSUPPORTED_TYPE: column t.u: UUID');
    expect(f.pausedByDdl!.holds).toBe(false);
    const p = at({ stage: Stage.STAGE_PAUSED, errorCode: 'TW_UNSUPPORTED_DDL', errorMessage: 'DROP TABLE' });
    expect(p.pausedByDdl!.holds).toBe(true);
    expect(at({ stage: Stage.STAGE_PAUSED }).pausedByDdl!.holds).toBe(false);
  });

  it('retrying counts from the oldest open fault; fullCopy from the full stage start', () => {
    const r = at({
      stage: Stage.STAGE_FULL,
      fullStartedAtMs: BigInt(T - 25 * 3_600_000),
      retrying: [
        Retrying.fromPartial({
          reporter: 'sink',
          code: 'TW_DEST_UNAVAILABLE',
          message: 'x',
          sinceMs: BigInt(T - 6 * MIN),
        }),
        Retrying.fromPartial({
          reporter: 'snapshot',
          code: 'TW_SOURCE_UNAVAILABLE',
          message: 'y',
          sinceMs: BigInt(T - 2 * MIN),
        }),
      ],
    });
    expect(r.retrying).toMatchObject({ holds: true, since: T - 6 * MIN, forMs: 5 * MIN, value: 6 });
    expect(r.fullCopy).toMatchObject({ holds: true, since: T - 25 * 3_600_000, forMs: 24 * 3_600_000, value: 25 });
    expect(at({ stage: Stage.STAGE_INCREMENTAL, fullStartedAtMs: 1n }).fullCopy!.holds).toBe(false);
  });

  it('gives only the rules the spec turns on', () => {
    const only = conditionsOf(TaskState.fromPartial({ stage: Stage.STAGE_FAILED }), { failed: true }, 0, T);
    expect(only.map((c) => c.rule)).toEqual(['failed']);
  });
});
