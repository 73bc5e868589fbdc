import { describe, expect, it } from 'vitest';
import type { Batch, RowSet } from '@tidewater/proto';
import { sinkPartition } from '@tidewater/task-state';
import { routeBatch, sinkMsgId } from './route-batch.js';

const rs = (table: string): RowSet => ({ table: { database: 'shop', table }, rowCount: 1, columnNames: [], columns: [], kinds: [], recordIds: [], eventTimes: [], destTable: '', schemaVersion: 0 });

describe('routeBatch', () => {
  const routes = new Map([
    ['shop.a', { destSchema: 'shop', destTable: 'a' }],
    ['shop.b', { destSchema: 'shop', destTable: 'b_renamed' }],
  ]);

  it('names destinations and keeps each table on its partition', () => {
    const batch: Batch = { taskId: 't', origin: { $case: 'binlog', value: { lastRecordId: 9n, end: { file: 'f.000001', pos: 4n, gtid: '', token: 'x' } } }, tables: [rs('a'), rs('b')], schemaChanges: [], createdAtMs: 0n, sourceTimeMs: 0n };
    const out = routeBatch(batch, routes);
    const all = [...out.entries()].flatMap(([p, b]) => b.tables.map((t) => [p, t.destTable] as const));
    expect(all).toContainEqual([sinkPartition('shop.a'), 'a']);
    expect(all).toContainEqual([sinkPartition('shop.b_renamed'), 'b_renamed']);
    // The partitions without rows get the position too.
    expect([...out.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect([...out.values()].map((b) => b.origin)).toEqual([0, 1, 2, 3].map(() => batch.origin));
    expect(sinkMsgId(batch, 1)).toBe(sinkMsgId(batch, 1));
    expect(sinkMsgId(batch, 1)).not.toBe(sinkMsgId(batch, 2));
  });

  it('forwards an empty change batch (position only) to every partition and refuses unknown tables', () => {
    const empty: Batch = { taskId: 't', origin: { $case: 'binlog', value: { lastRecordId: -1n } }, tables: [], schemaChanges: [], createdAtMs: 0n, sourceTimeMs: 0n };
    expect([...routeBatch(empty, routes).keys()].sort()).toEqual([0, 1, 2, 3]);
    const stray: Batch = { ...empty, tables: [rs('zzz')] };
    expect(() => routeBatch(stray, routes)).toThrow(/shop\.zzz/);
  });
});
