import { describe, expect, it } from 'vitest';
import type { JsMsg } from '@tidewater/bus';
import type { RowSet } from '@tidewater/proto';
import { ChunkAssembler } from './chunk-assembler.js';

/** Records what the assembler did with a message: that is its whole effect on the bus. */
function msg(label: string, log: string[]): JsMsg {
  return {
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
    expect(a.add(ref(1, 2, true), rows(10), msg('s2', log))).toBeUndefined();
    expect(a.add(ref(1, 0), rows(10), msg('s0', log))).toBeUndefined();
    const done = a.add(ref(1, 1), rows(10), msg('s1', log));
    expect(done?.rowsets.map((r) => r.rowCount)).toEqual([10, 10, 10]);
    expect(done?.chunkRows).toBe(30n);
    expect(log).toEqual([]);
  });

  it('drops a partial older attempt when a retry starts, and ignores late batches of it', () => {
    const log: string[] = [];
    const a = new ChunkAssembler();
    a.add(ref(1, 0), rows(5), msg('a1s0', log));
    a.add(ref(1, 1), rows(5), msg('a1s1', log));
    a.add(ref(2, 0), rows(7), msg('a2s0', log));
    expect(log).toEqual(['ack a1s0', 'ack a1s1']);
    a.add(ref(1, 2, true), rows(5), msg('a1s2', log));
    expect(log).toContain('ack a1s2');
    const done = a.add(ref(2, 1, true), rows(7), msg('a2s1', log));
    expect(done?.rowsets.map((r) => r.rowCount)).toEqual([7, 7]);
  });

  it('keeps one copy of a redelivered batch', () => {
    const log: string[] = [];
    const a = new ChunkAssembler();
    a.add(ref(1, 0), rows(3), msg('first', log));
    a.add(ref(1, 0), rows(3), msg('again', log));
    const done = a.add(ref(1, 1, true), rows(3), msg('last', log));
    expect(done?.rowsets).toHaveLength(2);
    a.touch();
    expect(log).toEqual([]);
  });
});
