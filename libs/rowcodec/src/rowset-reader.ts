import { ValueEncoding, type ColumnVector } from '@tidewater/proto';
import type { CanonicalValue } from './encoding.js';

export function isNull(vector: ColumnVector, row: number): boolean {
  const nulls = vector.nulls;
  return nulls.length > row >> 3 && (nulls[row >> 3]! & (1 << (row & 7))) !== 0;
}

/** The value of one row of a column vector, in canonical form. */
export function valueAt(vector: ColumnVector, row: number): CanonicalValue {
  if (isNull(vector, row)) return null;
  switch (vector.encoding) {
    case ValueEncoding.VALUE_ENCODING_INT32:
      return vector.ints32[row]!;
    case ValueEncoding.VALUE_ENCODING_INT:
      return vector.ints[row]!;
    case ValueEncoding.VALUE_ENCODING_UINT:
      return vector.uints[row]!;
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      return vector.doubles[row]!;
    case ValueEncoding.VALUE_ENCODING_BYTES:
      return vector.blobs[row]!;
    default:
      return vector.strings[row]!;
  }
}

/** All values of a column vector, in canonical form. */
export function columnValues(vector: ColumnVector, rowCount: number): CanonicalValue[] {
  const out = new Array<CanonicalValue>(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = valueAt(vector, i);
  return out;
}
