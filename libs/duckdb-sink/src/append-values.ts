import type { DuckDBAppender } from '@duckdb/node-api';
import { ValueEncoding, type ColumnVector } from '@tidewater/proto';
import { isNull } from '@tidewater/rowcodec';
import { isZeroDate } from './type-mapping.js';

/**
 * Appends row `row` of a column vector. The appender casts to the column type, so exact
 * texts (decimals, timestamps) go in as VARCHAR and DuckDB parses them: no float detour.
 * `nativeTemporal`: the column is DATE/TIMESTAMP, so MySQL zero dates become NULL
 * (docs/type-mapping.md; use temporalMapping: string to keep them verbatim).
 */
export function appendCell(ap: DuckDBAppender, vec: ColumnVector, row: number, nativeTemporal: boolean): void {
  if (isNull(vec, row)) {
    ap.appendNull();
    return;
  }
  switch (vec.encoding) {
    case ValueEncoding.VALUE_ENCODING_INT32:
      ap.appendInteger(vec.ints32[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_INT:
      ap.appendBigInt(vec.ints[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_UINT:
      ap.appendUBigInt(vec.uints[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      ap.appendDouble(vec.doubles[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_BYTES:
      ap.appendBlob(vec.blobs[row]!);
      return;
    case ValueEncoding.VALUE_ENCODING_DATE:
    case ValueEncoding.VALUE_ENCODING_DATETIME: {
      const text = vec.strings[row]!;
      if (nativeTemporal && isZeroDate(text)) ap.appendNull();
      else ap.appendVarchar(text);
      return;
    }
    default:
      ap.appendVarchar(vec.strings[row]!);
  }
}
