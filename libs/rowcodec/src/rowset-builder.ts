import { ValueEncoding, type ColumnVector, type RowSet, type TableRef, ChangeKind } from '@tidewater/proto';
import { AssertionError } from '@tidewater/errors';
import type { CanonicalValue } from './encoding.js';

interface Slot {
  readonly encoding: ValueEncoding;
  readonly vector: ColumnVector;
  nulls: Uint8Array | undefined;
}

function emptyVector(encoding: ValueEncoding): ColumnVector {
  return { encoding, nulls: new Uint8Array(0), ints: [], uints: [], doubles: [], strings: [], blobs: [], ints32: [] };
}

const EMPTY = new Uint8Array(0);

/**
 * Accumulates rows of one table into a column-wise RowSet. Not reusable after `finish`.
 * Values must already be in canonical form (see encoding.ts); a wrong JS type is a bug in
 * the source adapter and throws.
 */
export class RowSetBuilder {
  private readonly slots: Slot[];
  private rows = 0;
  private approxBytes = 0;
  private readonly kinds: ChangeKind[] = [];
  private readonly recordIds: bigint[] = [];
  private readonly eventTimes: bigint[] = [];

  constructor(
    private readonly table: TableRef,
    private readonly columnNames: readonly string[],
    encodings: readonly ValueEncoding[],
    private readonly schemaVersion = 0,
  ) {
    this.slots = encodings.map((encoding) => ({ encoding, vector: emptyVector(encoding), nulls: undefined }));
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Rough encoded size, used to cut batches near a byte budget. */
  get byteSize(): number {
    return this.approxBytes;
  }

  add(values: readonly CanonicalValue[]): void {
    const row = this.rows;
    const slots = this.slots;
    for (let c = 0; c < slots.length; c++) {
      const slot = slots[c]!;
      const v = values[c];
      if (v === null || v === undefined) {
        if (!slot.nulls) slot.nulls = new Uint8Array(64);
        if (row >> 3 >= slot.nulls.length) {
          const grown = new Uint8Array(Math.max(slot.nulls.length * 2, (row >> 3) + 1));
          grown.set(slot.nulls);
          slot.nulls = grown;
        }
        slot.nulls[row >> 3]! |= 1 << (row & 7);
        this.pushPlaceholder(slot);
        continue;
      }
      this.pushValue(slot, v, c);
    }
    this.rows++;
  }

  addChange(kind: ChangeKind, recordId: bigint, eventTime: bigint, values: readonly CanonicalValue[]): void {
    this.add(values);
    this.kinds.push(kind);
    this.recordIds.push(recordId);
    this.eventTimes.push(eventTime);
    this.approxBytes += 12;
  }

  finish(destTable = ''): RowSet {
    const columns = this.slots.map((s) => {
      if (s.nulls) s.vector.nulls = s.nulls.subarray(0, (this.rows + 7) >> 3);
      return s.vector;
    });
    return {
      table: this.table,
      schemaVersion: this.schemaVersion,
      rowCount: this.rows,
      columnNames: [...this.columnNames],
      columns,
      kinds: this.kinds,
      recordIds: this.recordIds,
      eventTimes: this.eventTimes,
      destTable,
    };
  }

  private pushPlaceholder(slot: Slot): void {
    const v = slot.vector;
    switch (slot.encoding) {
      case ValueEncoding.VALUE_ENCODING_INT32:
        v.ints32.push(0);
        break;
      case ValueEncoding.VALUE_ENCODING_INT:
        v.ints.push(0n);
        break;
      case ValueEncoding.VALUE_ENCODING_UINT:
        v.uints.push(0n);
        break;
      case ValueEncoding.VALUE_ENCODING_DOUBLE:
        v.doubles.push(0);
        break;
      case ValueEncoding.VALUE_ENCODING_BYTES:
        v.blobs.push(EMPTY);
        break;
      default:
        v.strings.push('');
    }
    this.approxBytes += 1;
  }

  private pushValue(slot: Slot, value: CanonicalValue, column: number): void {
    const v = slot.vector;
    switch (slot.encoding) {
      case ValueEncoding.VALUE_ENCODING_INT32:
        if (typeof value === 'number' && Number.isInteger(value)) v.ints32.push(value);
        else if (typeof value === 'bigint') v.ints32.push(Number(value));
        else throw wrongType(this.columnNames[column], 'integer', value);
        this.approxBytes += 4;
        return;
      case ValueEncoding.VALUE_ENCODING_INT:
      case ValueEncoding.VALUE_ENCODING_UINT: {
        let n: bigint;
        if (typeof value === 'bigint') n = value;
        else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
        else throw wrongType(this.columnNames[column], 'bigint', value);
        (slot.encoding === ValueEncoding.VALUE_ENCODING_INT ? v.ints : v.uints).push(n);
        this.approxBytes += 8;
        return;
      }
      case ValueEncoding.VALUE_ENCODING_DOUBLE:
        if (typeof value !== 'number') throw wrongType(this.columnNames[column], 'number', value);
        v.doubles.push(value);
        this.approxBytes += 8;
        return;
      case ValueEncoding.VALUE_ENCODING_BYTES:
        if (!(value instanceof Uint8Array)) throw wrongType(this.columnNames[column], 'Uint8Array', value);
        v.blobs.push(value);
        this.approxBytes += value.length + 2;
        return;
      default:
        if (typeof value !== 'string') throw wrongType(this.columnNames[column], 'string', value);
        v.strings.push(value);
        this.approxBytes += value.length + 2;
    }
  }
}

function wrongType(column: string | undefined, expected: string, value: unknown): AssertionError {
  return new AssertionError(`column ${column}: source adapter produced ${typeof value}, expected ${expected}`);
}
