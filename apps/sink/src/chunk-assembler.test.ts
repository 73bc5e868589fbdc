import { describe, expect, it } from 'vitest';
import type { JsMsg } from '@tidewater/bus';
import { Batch, type RowSet } from '@tidewater/proto';
import { ChunkAssembler } from './chunk-assembler.js';

/** Records what the assembler did with a message: that is its whole effect on the bus. */
function msg(label: string, log: string[], rowCount = 0): JsMsg {
  return {
    data: Batch.encode(Batch.fromPartial({ tables: [rows(rowCount)] })).finish(),
    ack: () => log.push(`ack ${label}`),
    nak: () => log.push(`nak ${label}`),
    working: () => log.push(`working ${label}`),
  } as unknown as JsMsg;
}
const rows = (n: number): RowSet => ({
  rowCount: n,
  columnNames: [],
  columns: [],
  kinds: [],
  recordIds: [],
  eventTimes: [],
  destTable: '',
  schemaVersion: 0,
});
const ref = (attempt: number, seq: number, last = false) => ({
  chunkId: 'c1',
  attempt,
  seq,
  last,
  chunkRows: last ? 30n : 0n,
});

describe('ChunkAssembler', () => {
  it('completes a chunk only when every batch of one attempt is there, in any arrival order', () => {
    const log: string[] = [];
    const a = new ChunkAssembler();
    expect(a.add(ref(1, 2, true), msg('s2', log, 10))).toBeUndefined();
    expect(a.add(ref(1, 0), msg('s0', log, 10))).toBeUndefined();
    const done = a.add(ref(1, 1), msg('s1', log, 10));
    expect(done?.rowsets.map((r) => r.rowCount)).toEqual([10, 10, 10]);
    expect(done?.chunkRows).toBe(30n);
    expect(log).toEqual([]);
  });

  it('drops a partial older attempt when a retry starts, and ignores late batches of it', () => {
    const log: string[] = [];
    const a = new ChunkAssembler();
    a.add(ref(1, 0), msg('a1s0', log, 5));
    a.add(ref(1, 1), msg('a1s1', log, 5));
    a.add(ref(2, 0), msg('a2s0', log, 7));
    expect(log).toEqual(['ack a1s0', 'ack a1s1']);
    a.add(ref(1, 2, true), msg('a1s2', log, 5));
    expect(log).toContain('ack a1s2');
    const done = a.add(ref(2, 1, true), msg('a2s1', log, 7));
    expect(done?.rowsets.map((r) => r.rowCount)).toEqual([7, 7]);
  });

  it('keeps one copy of a redelivered batch', () => {
    const log: string[] = [];
    const a = new ChunkAssembler();
    a.add(ref(1, 0), msg('first', log, 3));
    a.add(ref(1, 0), msg('again', log, 3));
    const done = a.add(ref(1, 1, true), msg('last', log, 3));
    expect(done?.rowsets).toHaveLength(2);
    a.touch();
    expect(log).toEqual([]);
  });
});
