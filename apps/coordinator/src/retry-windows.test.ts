import { describe, expect, it } from 'vitest';
import { Stage, TaskState, type Fault } from '@tidewater/proto';
import { applyFault, enforceDeadlines, failStep } from './retry-windows.js';

const retry = { connectionMinutes: 720, otherMinutes: 10 };
const MIN = 60_000;
const T0 = 1_700_000_000_000;
const running = () => TaskState.fromPartial({ taskId: 't', stage: Stage.STAGE_INCREMENTAL });
const fault = (f: Partial<Fault>): Fault => ({
  reporter: 'capture',
  code: 'TW_SOURCE_UNREACHABLE',
  message: 'binlog stream failed',
  recovered: false,
  sinceMs: BigInt(T0),
  ...f,
});

describe('retry windows', () => {
  it('gives a lost connection retry.connectionMinutes and anything else retry.otherMinutes, from the first failure', () => {
    const s = applyFault(running(), fault({}), retry, T0 + 5_000)!;
    expect(s.retrying).toEqual([
      expect.objectContaining({
        reporter: 'capture',
        code: 'TW_SOURCE_UNREACHABLE',
        window: 'connection',
        deadlineMs: BigInt(T0 + 720 * MIN),
      }),
    ]);
    const both = applyFault(s, fault({ reporter: 'sink/partition-0', code: 'TW_DEST_WRITE' }), retry, T0 + 6_000)!;
    expect(both.retrying.map((r) => [r.reporter, r.window, Number(r.deadlineMs) - T0])).toEqual([
      ['capture', 'connection', 720 * MIN],
      ['sink/partition-0', 'other', 10 * MIN],
    ]);
    expect(both.stage).toBe(Stage.STAGE_INCREMENTAL);
  });

  it('clears a reporter when it recovers and leaves the others', () => {
    let s = applyFault(running(), fault({}), retry, T0)!;
    s = applyFault(s, fault({ reporter: 'transform', code: 'TW_UNCLASSIFIED' }), retry, T0)!;
    s = applyFault(s, fault({ recovered: true, code: '', message: '' }), retry, T0 + MIN)!;
    expect(s.retrying.map((r) => r.reporter)).toEqual(['transform']);
    expect(applyFault(s, fault({ reporter: 'snapshot/worker-0', recovered: true }), retry, T0)).toBeUndefined();
  });

  it('fails the task at once on a fatal code, with the stage kept for resume', () => {
    const s = applyFault(running(), fault({ code: 'TW_BINLOG_CONFIG', message: 'the binlog was purged' }), retry, T0)!;
    expect(s.stage).toBe(Stage.STAGE_FAILED);
    expect(s.pausedFrom).toBe(Stage.STAGE_INCREMENTAL);
    expect(s.errorCode).toBe('TW_BINLOG_CONFIG');
    expect(s.errorMessage).toContain('capture: the binlog was purged');
  });

  it('fails the task with the cause once the deadline passes, not before', () => {
    const s = applyFault(
      running(),
      fault({ reporter: 'sink/partition-1', code: 'TW_DEST_WRITE', message: 'disk full' }),
      retry,
      T0,
    )!;
    // Re-reported every 10 s while failing, so it stays live.
    const refreshed = applyFault(
      s,
      fault({ reporter: 'sink/partition-1', code: 'TW_DEST_WRITE', message: 'disk full' }),
      retry,
      T0 + 10 * MIN - 1_000,
    )!;
    expect(enforceDeadlines(refreshed, T0 + 10 * MIN - 1)).toBeUndefined();
    const failed = enforceDeadlines(refreshed, T0 + 10 * MIN)!;
    expect(failed.stage).toBe(Stage.STAGE_FAILED);
    expect(failed.errorCode).toBe('TW_RETRY_EXHAUSTED');
    expect(failed.errorMessage).toMatch(
      /sink\/partition-1 retried TW_DEST_WRITE for 10 min \(retry.otherMinutes\).*disk full/,
    );
    expect(failed.retrying).toEqual([]);
  });

  it('forgets a fault whose reporter went silent', () => {
    const s = applyFault(running(), fault({}), retry, T0)!;
    expect(enforceDeadlines(s, T0 + 30_000)).toBeUndefined();
    expect(enforceDeadlines(s, T0 + 2 * MIN)!.retrying).toEqual([]);
  });

  it('ignores faults of tasks that are not running', () => {
    expect(applyFault(TaskState.fromPartial({ stage: Stage.STAGE_PAUSED }), fault({}), retry, T0)).toBeUndefined();
  });
});

describe('failStep', () => {
  it('fails the task only while it is still in the stage whose step failed', () => {
    const failed = failStep(running(), Stage.STAGE_INCREMENTAL, 'TW_SPEC_INVALID', 'bad')!;
    expect([failed.stage, failed.pausedFrom, failed.errorCode]).toEqual([
      Stage.STAGE_FAILED,
      Stage.STAGE_INCREMENTAL,
      'TW_SPEC_INVALID',
    ]);
    for (const stage of [Stage.STAGE_PAUSED, Stage.STAGE_STOPPED]) {
      expect(
        failStep(
          TaskState.fromPartial({ taskId: 't', stage, pausedFrom: Stage.STAGE_INCREMENTAL }),
          Stage.STAGE_INCREMENTAL,
          'TW_SPEC_INVALID',
          'bad',
        ),
      ).toBeUndefined();
    }
  });
});
