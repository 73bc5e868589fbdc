import { describe, expect, it } from 'vitest';
import { Stage, TaskState } from '@tidewater/proto';
import { lagOf } from './lag.js';

const T = 1_800_000_000_000;
const running = (extra: Partial<TaskState> = {}) =>
  TaskState.fromPartial({
    taskId: 't',
    stage: Stage.STAGE_INCREMENTAL,
    lagSeconds: 0.026,
    lastSourceTimeMs: BigInt(T),
    appliedAtMs: BigInt(T),
    partitions: [{ partition: 2, committedAtMs: BigInt(T) }],
    ...extra,
  });

describe('lagOf', () => {
  it('is the measured lag while reports arrive', () => {
    expect(lagOf(running(), T + 1_000)).toEqual({ lagSeconds: 0.026, blockedSinceMs: 0n, blockedCause: '' });
  });

  it('grows with the time nothing was applied, and says since when and why (L1)', () => {
    const a = lagOf(running(), T + 20_000);
    const b = lagOf(running(), T + 80_000);
    expect(a.lagSeconds).toBe(20);
    expect(b.lagSeconds).toBe(80);
    expect(b.blockedSinceMs).toBe(BigInt(T));
    expect(b.blockedCause).toMatch(/no change applied.*sink partition 2 last committed at/);
    const retrying = lagOf(
      running({
        retrying: [
          {
            reporter: 'sink/partition-2',
            code: 'TW_DEST_WRITE',
            message: 'disk full',
            sinceMs: BigInt(T),
            deadlineMs: BigInt(T + 600_000),
            window: 'other',
            reportedMs: BigInt(T + 79_000),
          },
        ],
      }),
      T + 80_000,
    );
    expect(retrying.blockedCause).toBe('sink/partition-2 retrying: TW_DEST_WRITE disk full');
  });

  it('keeps growing while paused from the change stream, which the stage and error explain', () => {
    const paused = lagOf(running({ stage: Stage.STAGE_PAUSED, pausedFrom: Stage.STAGE_INCREMENTAL }), T + 90_000);
    expect(paused).toEqual({ lagSeconds: 90, blockedSinceMs: 0n, blockedCause: '' });
  });

  it('counts from the start of the change stream until its first report, and not at all before it', () => {
    const silent = lagOf(running({ lastSourceTimeMs: 0n, lagSeconds: 0, partitions: [] }), T + 30_000);
    expect(silent).toMatchObject({
      lagSeconds: 30,
      blockedSinceMs: BigInt(T),
      blockedCause: expect.stringContaining('no sink partition has committed yet'),
    });
    expect(lagOf(running({ stage: Stage.STAGE_FULL }), T + 90_000).lagSeconds).toBe(0.026);
  });
});
