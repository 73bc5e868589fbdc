import { describe, expect, it } from 'vitest';
import { Stage, TaskState } from '@tidewater/proto';
import { Metrics } from '@tidewater/telemetry';
import { setBacklogGauges, setTaskGauges } from './task-gauges.js';

const value = async (m: Metrics, name: string, labels: Record<string, string>) =>
  (await m.registry.getSingleMetric(name)!.get()).values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  )?.value;

describe('setTaskGauges', () => {
  it("sets lag and full-copy progress of the driven tasks from their states, and drops the others' series", async () => {
    const m = new Metrics({ processMetrics: false });
    const now = 1_700_000_000_000;
    const state = (taskId: string) =>
      TaskState.fromPartial({
        taskId,
        stage: Stage.STAGE_INCREMENTAL,
        lagSeconds: 2,
        appliedAtMs: BigInt(now - 1_000),
        lastSourceTimeMs: BigInt(now - 3_000),
        appliedPosition: { file: 'mysql-bin.000004', pos: 1234n, gtid: '', token: 't', epoch: 0, server: '' },
        tables: [{ source: { database: 'shop', table: 'orders' }, rowsDone: 40n, estimatedRows: 100n }],
      });
    const tasks = [state('a'), state('b')].map((s) => ({ state: s, revision: 1 }));
    setTaskGauges(tasks, new Set(['a']), now, m);
    expect(await value(m, 'tidewater_replication_lag_seconds', { task: 'a' })).toBe(2);
    expect(await value(m, 'tidewater_replication_lag_seconds', { task: 'b' })).toBeUndefined();
    expect(await value(m, 'tidewater_full_rows_done', { task: 'a', table: 'shop.orders' })).toBe(40);
    expect(await value(m, 'tidewater_full_rows_estimated', { task: 'a', table: 'shop.orders' })).toBe(100);
    expect(await value(m, 'tidewater_applied_binlog_position', { task: 'a', file: 'mysql-bin.000004' })).toBe(1234);
    expect(await value(m, 'tidewater_applied_source_timestamp_seconds', { task: 'a' })).toBe((now - 3_000) / 1000);
    // Nothing applied for 10 s: the lag grows from the last source time, as the task view says.
    setTaskGauges(tasks, new Set(['a']), now + 10_000, m);
    expect(await value(m, 'tidewater_replication_lag_seconds', { task: 'a' })).toBe(13);
    setTaskGauges(tasks, new Set(), now, m);
    expect(await value(m, 'tidewater_replication_lag_seconds', { task: 'a' })).toBeUndefined();
    expect(await value(m, 'tidewater_full_rows_done', { task: 'a' })).toBeUndefined();
  });

  it('sets each consumer backlog, and drops consumers that are gone', async () => {
    const m = new Metrics({ processMetrics: false });
    setBacklogGauges(
      [
        { task: 'a', consumer: 'transform', pending: 5, ackPending: 1 },
        { task: 'a', consumer: 'sink-3', pending: 0, ackPending: 12 },
      ],
      m,
    );
    expect(await value(m, 'tidewater_consumer_pending_messages', { task: 'a', consumer: 'transform' })).toBe(5);
    expect(await value(m, 'tidewater_consumer_ack_pending_messages', { task: 'a', consumer: 'sink-3' })).toBe(12);
    setBacklogGauges([{ task: 'a', consumer: 'transform', pending: 0, ackPending: 0 }], m);
    expect(
      await value(m, 'tidewater_consumer_ack_pending_messages', { task: 'a', consumer: 'sink-3' }),
    ).toBeUndefined();
  });
});
