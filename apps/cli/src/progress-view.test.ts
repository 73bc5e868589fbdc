import { afterEach, describe, expect, it, vi } from 'vitest';
import { Stage, type TaskView } from '@tidewater/proto';
import { ErrorCodes } from '@tidewater/errors';
import { ProgressView } from './progress-view.js';

function out(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const task = (rowsDone: bigint, chunksDone: number): TaskView => ({
  taskId: 't',
  name: 't',
  stage: Stage.STAGE_FULL,
  errorCode: '',
  errorMessage: '',
  lagSeconds: 0,
  position: '',
  redactedSpecJson: '',
  precheck: [],
  retrying: [],
  currentAsOfMs: 0n,
  changesApplied: 0n,
  blockedSinceMs: 0n,
  blockedCause: '',
  alerts: [],
  sinkPartitions: [],
  tables: [
    {
      source: { database: 'shop', table: 'orders' },
      destTable: 'orders',
      destSchema: 'shop',
      estimatedRows: 1000n,
      rowsDone,
      chunksTotal: 2,
      chunksDone,
      doneChunks: [],
      chunks: [],
      workPublished: true,
    },
  ],
});

describe('ProgressView', () => {
  it('shows rows done against the estimate and marks finished tables', () => {
    const o = out();
    const v = new ProgressView(o.stream);
    v.render(task(500n, 1), true);
    expect(o.text()).toMatch(/shop\.orders\s+\[█{10}░{10}\]\s+500 \/ ~1,000\s+50%/);
    v.render(task(1000n, 2), true);
    expect(o.text()).toMatch(/\[█{20}\]\s+1,000 \/ ~1,000\s+100%.*done/);
  });

  it('shows each retrying fault with its cause and deadline', () => {
    const o = out();
    const deadline = Date.UTC(2026, 0, 1, 12, 40, 0);
    new ProgressView(o.stream).render(
      {
        ...task(0n, 0),
        retrying: [
          {
            reporter: 'capture',
            code: 'TW_SOURCE_UNREACHABLE',
            message: 'binlog stream from db:3306 failed',
            sinceMs: 0n,
            deadlineMs: BigInt(deadline),
            window: 'connection',
            reportedMs: 0n,
          },
        ],
      },
      true,
    );
    expect(o.text()).toContain(
      'retrying (capture): TW_SOURCE_UNREACHABLE binlog stream from db:3306 failed — gives up at 12:40:00 UTC',
    );
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows lag, position and the change rate in the incremental stage, the rate only once two views are apart', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const o = out();
    const v = new ProgressView(o.stream);
    const inc = (changesApplied: bigint): TaskView => ({
      ...task(1000n, 2),
      stage: Stage.STAGE_INCREMENTAL,
      lagSeconds: 0.25,
      position: 'binlog.000001:4',
      changesApplied,
    });
    v.render(inc(100n), true);
    expect(o.text()).toContain('task t: incremental  lag 0.3 s  at binlog.000001:4  changes applied 100\n');
    vi.setSystemTime(1_002_000);
    v.render(inc(5_100n), true);
    expect(o.text()).toContain('changes applied 5,100 (2,500/s)');
  });

  it('says since when and why a running task applies nothing', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 2, 10));
    const o = out();
    new ProgressView(o.stream).render(
      {
        ...task(1000n, 2),
        stage: Stage.STAGE_INCREMENTAL,
        lagSeconds: 130,
        blockedSinceMs: BigInt(Date.UTC(2026, 0, 1, 12, 0, 0)),
        blockedCause: 'sink/partition-1 retrying: TW_DEST_WRITE disk full',
      },
      true,
    );
    expect(o.text()).toContain('lag 130.0 s');
    expect(o.text()).toContain(
      '\n  blocked since 12:00:00 UTC (2 min 10 s): sink/partition-1 retrying: TW_DEST_WRITE disk full\n',
    );
  });
});

describe('ProgressView of sink partitions', () => {
  it('shows each partition’s owner, epoch and rate, and a partition nobody owns', () => {
    const o = out();
    new ProgressView(o.stream).render(
      {
        ...task(1000n, 2),
        stage: Stage.STAGE_INCREMENTAL,
        sinkPartitions: [
          {
            partition: 0,
            owner: 'node-a-1f2e3d',
            epoch: 57n,
            leaseExpiresAtMs: 1n,
            rows: 12_000n,
            rowsPerSecond: 1234.4,
          },
          { partition: 1, owner: '', epoch: 0n, leaseExpiresAtMs: 0n, rows: 0n, rowsPerSecond: 0 },
        ],
      },
      true,
    );
    expect(o.text()).toContain('\n  sink partition 0   node-a-1f2e3d (epoch 57)  1,234 rows/s, 12,000 rows\n');
    expect(o.text()).toContain('\n  sink partition 1   no owner (lease free or expired)\n');
  });
});

describe('ProgressView of a halted task', () => {
  it('says why: the error code, its message and the fix', () => {
    const o = out();
    new ProgressView(o.stream).render(
      {
        ...task(0n, 0),
        stage: Stage.STAGE_PAUSED,
        errorCode: 'TW_UNSUPPORTED_DDL',
        errorMessage: 'ALTER TABLE shop.orders DROP COLUMN note',
      },
      true,
    );
    expect(o.text()).toContain('task t: paused');
    expect(o.text()).toContain('TW_UNSUPPORTED_DDL: ALTER TABLE shop.orders DROP COLUMN note');
    expect(o.text()).toContain(`fix: ${ErrorCodes.TW_UNSUPPORTED_DDL.description}`);
  });
});
