import { describe, expect, it } from 'vitest';
import type { Batch, RowSet } from '@tidewater/proto';
import { sinkPartition, taskPartitions } from '@tidewater/task-plan';
import { messageIds } from '@tidewater/bus';
import { routeBatch } from './route-batch.js';

const rs = (table: string): RowSet => ({
  table: { database: 'shop', table },
  rowCount: 1,
  columnNames: [],
  columns: [],
  kinds: [],
  recordIds: [],
  eventTimes: [],
  destTable: '',
  schemaVersion: 0,
});

describe('routeBatch', () => {
  // shop.a and shop.b_renamed land on partition 0, shop.x on 3: the task uses two partitions.
  const routes = new Map([
    ['shop.a', { destSchema: 'shop', destTable: 'a' }],
    ['shop.b', { destSchema: 'shop', destTable: 'b_renamed' }],
    ['shop.c', { destSchema: 'shop', destTable: 'x' }],
  ]);

  it('names destinations and keeps each table on its partition', () => {
    const batch: Batch = {
      taskId: 't',
      origin: {
        $case: 'binlog',
        value: { lastRecordId: 9n, end: { file: 'f.000001', pos: 4n, gtid: '', token: 'x' } },
      },
      tables: [rs('a'), rs('b')],
      schemaChanges: [],
      createdAtMs: 0n,
      sourceTimeMs: 0n,
    };
    const out = routeBatch(batch, routes);
    expect(taskPartitions(routes.values())).toEqual([0, 3]);
    const all = [...out.entries()].flatMap(([p, b]) => b.tables.map((t) => [p, t.destTable] as const));
    expect(all).toContainEqual([sinkPartition('shop.a'), 'a']);
    expect(all).toContainEqual([sinkPartition('shop.b_renamed'), 'b_renamed']);
    // The task's partitions without rows get the position too; the others nothing.
    expect([...out.keys()].sort()).toEqual(taskPartitions(routes.values()));
    expect([...out.values()].map((b) => b.origin)).toEqual([...out.keys()].map(() => batch.origin));
    expect(messageIds.sinkBatch(batch, 1)).toBe(messageIds.sinkBatch(batch, 1));
    expect(messageIds.sinkBatch(batch, 1)).not.toBe(messageIds.sinkBatch(batch, 2));
  });

  it("forwards an empty change batch (position only) to each of the task's partitions and refuses unknown tables", () => {
    const empty: Batch = {
      taskId: 't',
      origin: { $case: 'binlog', value: { lastRecordId: -1n } },
      tables: [],
      schemaChanges: [],
      createdAtMs: 0n,
      sourceTimeMs: 0n,
    };
    expect([...routeBatch(empty, routes).keys()].sort()).toEqual(taskPartitions(routes.values()));
    const stray: Batch = { ...empty, tables: [rs('zzz')] };
    expect(() => routeBatch(stray, routes)).toThrow(/shop\.zzz/);
  });
});
