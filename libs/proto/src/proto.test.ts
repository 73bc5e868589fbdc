import { describe, expect, it } from 'vitest';
import { Batch, TaskState, Stage, SnapshotChunk, peekChunkRef } from './index.js';

describe('generated contract', () => {
  it('round-trips task state with 64-bit fields exactly', () => {
    const s = TaskState.fromPartial({
      taskId: 't',
      stage: Stage.STAGE_FULL,
      createdAtMs: 9007199254740993n,
      tables: [{ rowsDone: 18446744073709551615n }],
    });
    const back = TaskState.decode(TaskState.encode(s).finish());
    expect(back.createdAtMs).toBe(9007199254740993n);
    expect(back.tables[0]!.rowsDone).toBe(18446744073709551615n);
    expect(back.stage).toBe(Stage.STAGE_FULL);
  });

  it('round-trips chunk bounds of every scalar kind', () => {
    const c = SnapshotChunk.fromPartial({
      lower: [{ kind: { $case: 'int', value: -5n } }, { kind: { $case: 'text', value: 'ü' } }],
      upper: [{ kind: { $case: 'bytes', value: new Uint8Array([0, 255]) } }],
    });
    const back = SnapshotChunk.decode(SnapshotChunk.encode(c).finish());
    expect(back.lower).toEqual(c.lower);
    expect(Array.from((back.upper[0]!.kind as { value: Uint8Array }).value)).toEqual([0, 255]);
  });
});

describe('peekChunkRef', () => {
  it("reads a snapshot batch's chunk ref past the other fields, and nothing from a change batch", () => {
    const ref = { chunkId: 't.t0.c3', attempt: 2, seq: 5, last: true, chunkRows: 1234n };
    const snap = Batch.encode(
      Batch.fromPartial({
        taskId: 'a task',
        origin: { $case: 'chunk', value: ref },
        tables: [{ table: { database: 'd', table: 't' }, rowCount: 1 }],
        createdAtMs: 7n,
      }),
    ).finish();
    expect(peekChunkRef(snap)).toEqual(ref);
    const change = Batch.encode(
      Batch.fromPartial({ taskId: 'x', origin: { $case: 'binlog', value: { lastRecordId: 9n } } }),
    ).finish();
    expect(peekChunkRef(change)).toBeUndefined();
  });
});
