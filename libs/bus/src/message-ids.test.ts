import { describe, expect, it } from 'vitest';
import { messageIds } from './index.js';

// These formats are pinned: a changed id lets a message republished across an upgrade
// through JetStream's duplicate window as new (docs/architecture.md, "Message ids (D1)").
describe('message ids (D1)', () => {
  it('work item and snapshot batches', () => {
    const chunk = messageIds.chunk('orders-7', 2, 15);
    expect(chunk).toBe('orders-7.t2.c15');
    expect(messageIds.workItem(chunk)).toBe('orders-7.t2.c15');
    expect(messageIds.snapshotBatch(chunk, 1, 0)).toBe('orders-7.t2.c15:1:0');
    expect(messageIds.snapshotSinkBatch(chunk, 1, 3)).toBe('c:orders-7.t2.c15:1:3');
    // Direct to the sink: what transform's forwarding (the Tw-Batch-Id header) would give.
    expect(messageIds.snapshotPublish(chunk, 1, 3, true)).toBe(
      messageIds.forwardedSnapshotBatch(messageIds.snapshotSinkBatch(chunk, 1, 3)),
    );
    expect(messageIds.snapshotPublish(chunk, 1, 0, false)).toBe(messageIds.snapshotBatch(chunk, 1, 0));
  });

  it('resync chunks carry their generation; full-stage chunks have none', () => {
    const chunk = messageIds.resyncChunk('orders-7@k1', 2, 3, 15);
    expect(chunk).toBe('orders-7@k1.t2.r3.c15');
    expect(messageIds.chunkGeneration(chunk)).toBe(3);
    expect(messageIds.chunkGeneration(messageIds.chunk('orders-7@k1', 2, 15))).toBe(0);
    expect(messageIds.chunkGeneration(messageIds.chunk('a.r4.c5@k1', 0, 1))).toBe(0);
  });

  it('binlog and ADD COLUMN batches', () => {
    expect(messageIds.binlogBatch('0000000100000004', 42n)).toBe('b:0000000100000004:42');
    expect(messageIds.binlogSinkBatch('0000000100000004', 42n, 3)).toBe('b:0000000100000004:42:3');
    expect(messageIds.addColumnBatch('0000000100000004')).toBe('ddl:0000000100000004');
  });

  it('progress reports', () => {
    expect(messageIds.chunkProgress('orders-7.t2.c15')).toBe('chunk:orders-7.t2.c15');
    expect(messageIds.binlogProgress(1, '0000000100000004', 42n)).toBe('p1:0000000100000004:42');
    expect(messageIds.binlogProgress(1, undefined, -1n)).toBe('p1::-1');
    expect(messageIds.addColumnApplied('shop', 'orders', 4)).toBe('ddl-applied:shop.orders:4');
    expect(messageIds.unsupportedDdl('0000000100000004', 9)).toBe('ddl:0000000100000004:9');
  });
});
