import { describe, expect, it } from 'vitest';
import type { PartitionLease } from '@tidewater/task-state';
import { sinkPartitionViews } from './task-view.js';

const lease = (partition: number, owner: string, epoch: number, expiresAtMs: number): PartitionLease => ({
  taskId: 't',
  partition,
  owner,
  epoch,
  expiresAtMs,
  revision: epoch + 3,
});

describe('sinkPartitionViews', () => {
  it('shows the live owner and epoch of each partition, its rows and rate; none for an expired lease', () => {
    const now = 100_000;
    const views = sinkPartitionViews(
      {
        partitions: [
          {
            partition: 1,
            position: undefined,
            sourceTimeMs: 0n,
            committedAtMs: 99_000n,
            rows: 5_000n,
            rateBaseRows: 1_000n,
            rateSinceMs: 92_000n,
          },
        ],
      },
      new Map([
        [0, lease(0, 'node-a-111111', 12, now + 10_000)],
        [1, lease(1, 'node-b-222222', 40, now + 5_000)],
        [2, lease(2, 'node-c-333333', 7, now - 1)],
      ]),
      now,
    );
    expect(views).toEqual([
      { partition: 0, owner: 'node-a-111111', epoch: 12n, leaseExpiresAtMs: 110_000n, rows: 0n, rowsPerSecond: 0 },
      {
        partition: 1,
        owner: 'node-b-222222',
        epoch: 40n,
        leaseExpiresAtMs: 105_000n,
        rows: 5_000n,
        rowsPerSecond: 500,
      },
      { partition: 2, owner: '', epoch: 0n, leaseExpiresAtMs: 0n, rows: 0n, rowsPerSecond: 0 },
    ]);
  });
});
