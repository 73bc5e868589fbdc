import { describe, expect, it } from 'vitest';
import { TaskState } from '@tidewater/proto';
import { destTables, sinkPartition, SINK_PARTITIONS } from './index.js';

describe('sinkPartition', () => {
  it('is stable and spreads tables over the partitions', () => {
    expect(sinkPartition('shop.customer')).toBe(sinkPartition('shop.customer'));
    const used = new Set(Array.from({ length: 64 }, (_, i) => sinkPartition(`db.t${i}`)));
    expect(used.size).toBe(SINK_PARTITIONS);
  });
});

describe('destTables', () => {
  it('lists tables with a recorded schema only', () => {
    const s = TaskState.fromPartial({
      tables: [
        { source: { database: 'd', table: 'a' }, destSchema: 'd', destTable: 'a', schema: { source: { database: 'd', table: 'a' }, columns: [], keyColumns: ['id'], version: 2 } },
        { source: { database: 'd', table: 'b' }, destSchema: 'd', destTable: 'b' },
      ],
    });
    expect(destTables(s).map((t) => [t.stem, t.version, t.keyColumns])).toEqual([['a', 2, ['id']]]);
  });
});
