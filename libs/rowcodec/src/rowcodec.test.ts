import { describe, expect, it } from 'vitest';
import { Batch, ValueEncoding, ChangeKind, type ColumnDef } from '@tidewater/proto';
import { RowSetBuilder, columnValues, encodingOf, type CanonicalValue } from './index.js';

const col = (name: string, dataType: string, unsigned = false): ColumnDef => ({
  name,
  dataType,
  columnType: dataType,
  nullable: true,
  unsigned,
  precision: 0,
  scale: 0,
  fsp: 0,
  charset: '',
  length: 0n,
  columnDefault: '',
  collation: '',
});

describe('encodingOf', () => {
  it('maps unsigned integers to UINT and rejects unknown types', () => {
    expect(encodingOf(col('a', 'bigint', true))).toBe(ValueEncoding.VALUE_ENCODING_UINT);
    expect(encodingOf(col('a', 'bigint'))).toBe(ValueEncoding.VALUE_ENCODING_INT);
    expect(encodingOf(col('a', 'int', true))).toBe(ValueEncoding.VALUE_ENCODING_UINT);
    expect(encodingOf(col('a', 'mediumint', true))).toBe(ValueEncoding.VALUE_ENCODING_INT32);
    expect(encodingOf(col('g', 'point'))).toBe(ValueEncoding.VALUE_ENCODING_BYTES);
    expect(() => encodingOf(col('x', 'vector'), 'shop.t')).toThrow(/shop\.t\.x has type vector/);
  });
});

describe('RowSetBuilder', () => {
  it('round-trips extreme values and NULLs through protobuf exactly', () => {
    const encodings = [
      ValueEncoding.VALUE_ENCODING_INT,
      ValueEncoding.VALUE_ENCODING_UINT,
      ValueEncoding.VALUE_ENCODING_DOUBLE,
      ValueEncoding.VALUE_ENCODING_DECIMAL,
      ValueEncoding.VALUE_ENCODING_TEXT,
      ValueEncoding.VALUE_ENCODING_BYTES,
      ValueEncoding.VALUE_ENCODING_DATETIME,
    ];
    const rows: CanonicalValue[][] = [
      [
        -9223372036854775808n,
        18446744073709551615n,
        1.7976931348623157e308,
        '-99999999999999999999999999999999999.999999999999999999999999999999',
        '😀 ü',
        new Uint8Array([0, 255]),
        '9999-12-31 23:59:59.999999',
      ],
      [null, null, null, null, null, null, null],
      [
        9223372036854775807n,
        0n,
        -0.5,
        '0.000000000000000000000000000001',
        '',
        new Uint8Array(0),
        '0000-00-00 00:00:00',
      ],
    ];
    for (let extra = 0; extra < 20; extra++) rows.push([BigInt(extra), null, extra, String(extra), null, null, null]);
    const b = new RowSetBuilder(
      { database: 'd', table: 't' },
      encodings.map((_, i) => `c${i}`),
      encodings,
    );
    rows.forEach((r, i) => b.addChange(ChangeKind.CHANGE_KIND_INSERT, BigInt(i), 1700000000n, r));
    const decoded = Batch.decode(
      Batch.encode({
        taskId: 't',
        tables: [b.finish('t')],
        schemaChanges: [],
        createdAtMs: 0n,
        sourceTimeMs: 0n,
      }).finish(),
    );
    const rs = decoded.tables[0]!;
    expect(rs.rowCount).toBe(rows.length);
    const got = rs.columns.map((c) => columnValues(c, rs.rowCount));
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < encodings.length; c++) {
        const want = rows[r]![c];
        const have = got[c]![r];
        if (want instanceof Uint8Array) expect(Buffer.from(have as Uint8Array).equals(Buffer.from(want))).toBe(true);
        else expect(have).toEqual(want);
      }
    }
    expect(rs.recordIds[2]).toBe(2n);
    expect(rs.kinds[0]).toBe(ChangeKind.CHANGE_KIND_INSERT);
  });

  it('refuses a value of the wrong JS type', () => {
    const b = new RowSetBuilder({ database: 'd', table: 't' }, ['id'], [ValueEncoding.VALUE_ENCODING_INT]);
    expect(() => b.add(['1'])).toThrow(/column id: source adapter produced string, expected bigint/);
    expect(() => b.add([2 ** 60])).toThrow(/expected bigint/);
    b.add([7]);
    expect(b.finish().columns[0]!.ints).toEqual([7n]);
  });
});
