import { describe, expect, it } from 'vitest';
import { resyncLine } from './resync-line.js';

const base = {
  generation: 2,
  position: { file: 'mysql-bin.000003', pos: 1234n, gtid: '', token: '', epoch: 0, server: '' },
  watermark: 0n,
  chunks: [1, 2, 3].map((i) => ({ chunkId: `c${i}`, lower: [], upper: [], estimatedRows: 0n })),
  planned: true,
  workPublished: true,
  doneChunks: ['c1'],
  rowsDone: 12_345n,
  startedAtMs: BigInt(Date.UTC(2026, 0, 1, 1, 20, 5)),
};

describe('resyncLine', () => {
  it('shows generation, chunks, rows, start position and time', () => {
    expect(resyncLine(base)).toBe(
      'resync #2: 1 / 3 chunks, 12,345 rows into staging (from mysql-bin.000003:1234, since 01:20:05 UTC)',
    );
  });
  it('says when it plans, and when every chunk is in and the swap is due', () => {
    expect(resyncLine({ ...base, planned: false, chunks: [], doneChunks: [] })).toMatch(
      /^resync #2: planning chunks, /,
    );
    expect(resyncLine({ ...base, doneChunks: ['c1', 'c2', 'c3'] })).toMatch(
      /3 \/ 3 chunks, 12,345 rows into staging, swapping into _base/,
    );
  });
});
