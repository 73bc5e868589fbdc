import { ValueEncoding, type ColumnDef, type Scalar } from '@tidewater/proto';
import { encodingOf, type CanonicalValue } from '@tidewater/rowcodec';
import { AssertionError } from '@tidewater/errors';

/**
 * Chunk bounds travel as protobuf Scalars. A bound is built from a key value read in canonical
 * form (value-cast.ts) and the key column's encoding, and turned back into a placeholder value
 * that compares on the server exactly as the stored value does: integers as bigint literals,
 * DECIMAL as its exact text, bytes as X'…' (a Buffer), text/temporal values as strings, which the
 * server converts to the column's type and compares in the column's collation.
 */

export function toScalar(value: CanonicalValue, column: ColumnDef, table: string): Scalar {
  if (value === null) return { kind: { $case: 'null', value: true } };
  const enc = encodingOf(column, table);
  switch (enc) {
    case ValueEncoding.VALUE_ENCODING_INT32:
    case ValueEncoding.VALUE_ENCODING_INT:
      return { kind: { $case: 'int', value: integer(value, column) } };
    case ValueEncoding.VALUE_ENCODING_UINT:
      return { kind: { $case: 'uint', value: integer(value, column) } };
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      return { kind: { $case: 'double', value: expect(value, 'number', column) } };
    case ValueEncoding.VALUE_ENCODING_DECIMAL:
      return { kind: { $case: 'decimal', value: expect(value, 'string', column) } };
    case ValueEncoding.VALUE_ENCODING_TEXT:
      return { kind: { $case: 'text', value: expect(value, 'string', column) } };
    case ValueEncoding.VALUE_ENCODING_DATE:
      return { kind: { $case: 'date', value: expect(value, 'string', column) } };
    case ValueEncoding.VALUE_ENCODING_DATETIME:
      return { kind: { $case: 'datetime', value: expect(value, 'string', column) } };
    case ValueEncoding.VALUE_ENCODING_TIME:
      return { kind: { $case: 'time', value: expect(value, 'string', column) } };
    case ValueEncoding.VALUE_ENCODING_JSON:
      return { kind: { $case: 'json', value: expect(value, 'string', column) } };
    case ValueEncoding.VALUE_ENCODING_BYTES:
      if (value instanceof Uint8Array) return { kind: { $case: 'bytes', value } };
      throw new AssertionError(`key column ${column.name} read as ${typeof value}, expected bytes`);
    default:
      throw new AssertionError(`no scalar form for encoding ${enc} of column ${column.name}`);
  }
}

/** Integers arrive as number (up to 32 bits) or bigint (64 bits); bounds carry bigint. */
function integer(value: CanonicalValue, column: ColumnDef): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new AssertionError(`key column ${column.name} read as ${typeof value}, expected an integer`);
}

function expect<T extends 'bigint' | 'number' | 'string'>(
  value: CanonicalValue,
  type: T,
  column: ColumnDef,
): T extends 'bigint' ? bigint : T extends 'number' ? number : string {
  if (typeof value !== type)
    throw new AssertionError(`key column ${column.name} read as ${typeof value}, expected ${type}`);
  return value as T extends 'bigint' ? bigint : T extends 'number' ? number : string;
}

/** The placeholder value for a bound (see the module comment). */
export function scalarParam(s: Scalar): unknown {
  const k = s.kind;
  if (k === undefined || k.$case === 'null') return null;
  if (k.$case === 'bytes') return Buffer.from(k.value.buffer, k.value.byteOffset, k.value.byteLength);
  return k.value;
}
