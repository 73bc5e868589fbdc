import { describe, expect, it } from 'vitest';
import { parseTaskSpec } from '@tidewater/config';
import { chunkPartition, sinkPartitionsOf, tablePartition, taskPartitions } from './index.js';

const spec = (extra = '') =>
  parseTaskSpec(`name: t\nsource: { url: "mysql://u:p@h:3306" }\nobjects: [{ database: d }]\n${extra}`);

describe('sink partitions of a task', () => {
  it('are 0 … partitions-1 of its spec, 8 by default', () => {
    expect(taskPartitions(spec())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(taskPartitions(spec('sink: { partitions: 3 }\n'))).toEqual([0, 1, 2]);
    expect(sinkPartitionsOf(spec('sink: { partitions: 64 }\n'))).toBe(64);
  });

  it('refuse a spec stored before the key existed, saying to recreate the task', () => {
    const { sink: _sink, ...old } = spec();
    expect(() => sinkPartitionsOf(old as never)).toThrow(/task t was created by an older Tidewater version/);
    expect(() => sinkPartitionsOf(old as never)).toThrow(expect.objectContaining({ code: 'TW_TASK_STATE' }));
  });
});

describe('chunkPartition', () => {
  it("is stable and spreads one table's chunks over every partition", () => {
    expect(chunkPartition('shop', 'orders', 't.t0.c5', 8)).toBe(chunkPartition('shop', 'orders', 't.t0.c5', 8));
    const counts = new Array<number>(8).fill(0);
    for (let c = 0; c < 800; c++) counts[chunkPartition('shop', 'orders', `t.t0.c${c}`, 8)]!++;
    for (const n of counts) expect(Math.abs(n - 100)).toBeLessThanOrEqual(30);
  });

  it('keeps a keyless table on one partition, tables spread', () => {
    const used = new Set(Array.from({ length: 64 }, (_, i) => tablePartition('db', `t${i}`, 8)));
    expect(used.size).toBe(8);
    expect(tablePartition('db', 't1', 1)).toBe(0);
  });
});
