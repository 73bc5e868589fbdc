import { describe, expect, it } from 'vitest';
import { TaskState, type TableProgress } from '@tidewater/proto';
import { applyResyncChunk, resyncDone } from './resync-stage.js';

const chunk = (chunkId: string) => ({ chunkId, lower: [], upper: [], estimatedRows: 0n });

function state(): TaskState {
  const table: TableProgress = {
    source: { database: 'shop', table: 'orders' },
    destSchema: 'shop',
    destTable: 'orders',
    estimatedRows: 0n,
    rowsDone: 100n,
    chunksTotal: 1,
    chunksDone: 1,
    doneChunks: ['o.t0.c0'],
    chunks: [chunk('o.t0.c0')],
    workPublished: true,
    resync: {
      generation: 2,
      watermark: 42n,
      chunks: [chunk('o.t0.r2.c0'), chunk('o.t0.r2.c1')],
      planned: true,
      workPublished: true,
      doneChunks: [],
      rowsDone: 0n,
      startedAtMs: 1n,
    },
  };
  return TaskState.fromPartial({ taskId: 'o', tables: [table] });
}

describe('resync progress', () => {
  it('counts a chunk of the running generation once, and is done when every chunk is in', () => {
    const s = state();
    expect(applyResyncChunk(s, 'o.t0.r2.c0', 10n)).toBe(true);
    expect(applyResyncChunk(s, 'o.t0.r2.c0', 10n)).toBe(false);
    expect(resyncDone(s.tables[0]!)).toBe(false);
    expect(applyResyncChunk(s, 'o.t0.r2.c1', 5n)).toBe(true);
    expect(resyncDone(s.tables[0]!)).toBe(true);
    expect(s.tables[0]!.resync!.rowsDone).toBe(15n);
    // The full stage's counters are not touched.
    expect(s.tables[0]!.rowsDone).toBe(100n);
  });

  it('ignores full-stage chunks and chunks of an older generation', () => {
    const s = state();
    expect(applyResyncChunk(s, 'o.t0.c0', 10n)).toBe(false);
    expect(applyResyncChunk(s, 'o.t0.r1.c0', 10n)).toBe(false);
    expect(s.tables[0]!.resync!.doneChunks).toEqual([]);
  });

  it('is not done before the plan is stored and published', () => {
    const s = state();
    s.tables[0]!.resync!.planned = false;
    s.tables[0]!.resync!.chunks = [];
    expect(resyncDone(s.tables[0]!)).toBe(false);
  });
});
