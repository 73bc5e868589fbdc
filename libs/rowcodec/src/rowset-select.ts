import { ValueEncoding, type ColumnVector, type RowSet } from '@tidewater/proto';
import { isNull } from './rowset-reader.js';

/**
 * The rows `rows` (ascending indexes) of a row set, in that order, as a row set of their own:
 * same table, columns and schema version. Values are copied as they are encoded, never
 * decoded to canonical JS values and back.
 */
export function selectRows(rs: RowSet, rows: ArrayLike<number>): RowSet {
  const n = rows.length;
  const pick = <T>(list: readonly T[]): T[] => {
    if (list.length === 0) return [];
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = list[rows[i]!]!;
    return out;
  };
  const columns = rs.columns.map((v): ColumnVector => {
    let nulls = new Uint8Array(0);
    if (v.nulls.length > 0) {
      nulls = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (isNull(v, rows[i]!)) nulls[i >> 3]! |= 1 << (i & 7);
    }
    return {
      encoding: v.encoding,
      nulls,
      ints: pick(v.ints),
      uints: pick(v.uints),
      doubles: pick(v.doubles),
      strings: pick(v.strings),
      blobs: pick(v.blobs),
      ints32: pick(v.ints32),
    };
  });
  return {
    ...rs,
    rowCount: n,
    columnNames: [...rs.columnNames],
    columns,
    kinds: pick(rs.kinds),
    recordIds: pick(rs.recordIds),
    eventTimes: pick(rs.eventTimes),
  };
}

const FNV_PRIME = 0x01000193;
/** Fed for a NULL and between columns: outside the byte and UTF-16 ranges a value feeds. */
const NULL_MARK = 0x10000;
const COLUMN_MARK = 0x10001;

const scratch = new DataView(new ArrayBuffer(8));

/**
 * FNV-1a of each row's values in `columns` (indexes into the row set), continuing from
 * `seed`: what routes a row by its key. Hashes the values as encoded (integers by their
 * bytes, text by its UTF-16 code units, bytes as they are), so equal keys hash equally in
 * every batch without decoding them.
 */
export function rowHashes(rs: RowSet, columns: readonly number[], seed: number): Uint32Array {
  const out = new Uint32Array(rs.rowCount).fill(seed >>> 0);
  for (const c of columns) {
    const v = rs.columns[c]!;
    for (let r = 0; r < rs.rowCount; r++) {
      let h = out[r]!;
      const feed = (x: number) => {
        h = Math.imul(h ^ x, FNV_PRIME);
      };
      feed(COLUMN_MARK);
      if (isNull(v, r)) feed(NULL_MARK);
      else {
        switch (v.encoding) {
          case ValueEncoding.VALUE_ENCODING_INT32:
            scratch.setInt32(0, v.ints32[r]!);
            for (let b = 0; b < 4; b++) feed(scratch.getUint8(b));
            break;
          case ValueEncoding.VALUE_ENCODING_INT:
          case ValueEncoding.VALUE_ENCODING_UINT:
            scratch.setBigUint64(
              0,
              BigInt.asUintN(64, (v.encoding === ValueEncoding.VALUE_ENCODING_INT ? v.ints : v.uints)[r]!),
            );
            for (let b = 0; b < 8; b++) feed(scratch.getUint8(b));
            break;
          case ValueEncoding.VALUE_ENCODING_DOUBLE:
            scratch.setFloat64(0, v.doubles[r]!);
            for (let b = 0; b < 8; b++) feed(scratch.getUint8(b));
            break;
          case ValueEncoding.VALUE_ENCODING_BYTES: {
            const bytes = v.blobs[r]!;
            for (let b = 0; b < bytes.length; b++) feed(bytes[b]!);
            break;
          }
          default: {
            const s = v.strings[r]!;
            for (let i = 0; i < s.length; i++) feed(s.charCodeAt(i));
          }
        }
      }
      out[r] = h >>> 0;
    }
  }
  return out;
}
