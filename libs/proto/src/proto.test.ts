import { describe, expect, it } from 'vitest';
import { TaskState, Stage, SnapshotChunk } from './index.js';

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
