import { describe, expect, it } from 'vitest';
import { Batch, ChangeKind, ValueEncoding } from '@tidewater/proto';
import { RowSetBuilder, columnValues, rowHashes, selectRows, type CanonicalValue } from './index.js';

const encodings = [
  ValueEncoding.VALUE_ENCODING_INT32,
  ValueEncoding.VALUE_ENCODING_INT,
  ValueEncoding.VALUE_ENCODING_UINT,
  ValueEncoding.VALUE_ENCODING_DOUBLE,
  ValueEncoding.VALUE_ENCODING_TEXT,
  ValueEncoding.VALUE_ENCODING_BYTES,
];
const row = (i: number): CanonicalValue[] =>
  i % 3 === 0
    ? [null, null, null, null, null, null]
    : [i, BigInt(-i), BigInt(i) * 1000n, i / 2, `t${i}`, new Uint8Array([i, i + 1])];

function rowSet(n: number) {
  const b = new RowSetBuilder(
    { database: 'd', table: 't' },
    encodings.map((_, c) => `c${c}`),
    encodings,
    3,
  );
  for (let i = 0; i < n; i++) b.addChange(ChangeKind.CHANGE_KIND_INSERT, BigInt(100 + i), BigInt(i), row(i));
  return b.finish('t');
}

describe('selectRows', () => {
  it('keeps the chosen rows in order, NULLs and change metadata included, through protobuf', () => {
    const rs = rowSet(20);
    const picked = [0, 1, 5, 9, 10, 19];
    const part = selectRows(rs, picked);
    const wire = Batch.decode(
      Batch.encode({ taskId: 't', tables: [part], schemaChanges: [], createdAtMs: 0n, sourceTimeMs: 0n }).finish(),
    ).tables[0]!;
    expect([wire.rowCount, wire.schemaVersion, wire.destTable]).toEqual([6, 3, 't']);
    expect(wire.recordIds).toEqual(picked.map((i) => BigInt(100 + i)));
    expect(wire.eventTimes).toEqual(picked.map((i) => BigInt(i)));
    const got = wire.columns.map((c) => columnValues(c, wire.rowCount));
    picked.forEach((i, r) => expect(got.map((c) => c[r])).toEqual(row(i)));
  });

  it('selects snapshot rows (no change metadata) and nothing', () => {
    const b = new RowSetBuilder({ database: 'd', table: 't' }, ['a'], [ValueEncoding.VALUE_ENCODING_TEXT]);
    ['x', 'y', 'z'].forEach((v) => b.add([v]));
    const part = selectRows(b.finish(), [2]);
    expect([part.kinds, columnValues(part.columns[0]!, 1)]).toEqual([[], ['z']]);
    expect(selectRows(b.finish(), []).rowCount).toBe(0);
  });
});

describe('rowHashes', () => {
  it('hashes equal key values equally wherever the row is, and tells NULL, columns and values apart', () => {
    const rs = rowSet(20);
    const h = rowHashes(rs, [1, 4], 7);
    const again = rowHashes(selectRows(rs, [4, 5]), [1, 4], 7);
    expect([...again]).toEqual([h[4], h[5]]);
    expect(new Set(h).size).toBe(14); // 13 distinct non-NULL rows, and one hash for all NULL rows
    expect(rowHashes(rs, [1, 4], 8)[4]).not.toBe(h[4]);
    expect(rowHashes(rs, [4, 1], 7)[4]).not.toBe(h[4]);
  });
});
