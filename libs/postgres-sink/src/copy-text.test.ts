import { describe, expect, it } from 'vitest';
import { RowSetBuilder, encodingOf } from '@tidewater/rowcodec';
import { carriedColumns, copyRows, fieldColumn, escapeText } from './copy-text.js';
import { describeUrl } from './connection.js';
import { postgresType } from './type-mapping.js';
import { col, rows, table } from './test-fixture.js';

function encode(c: ReturnType<typeof col>, v: Parameters<RowSetBuilder['add']>[0][0], temporal: 'native' | 'string') {
  const b = new RowSetBuilder({ database: 'd', table: 't' }, [c.name], [encodingOf(c)]);
  b.add([v]);
  return String(fieldColumn(c, b.finish('t').columns[0]!, 1, temporal, 'd.t.' + c.name)[0]);
}

describe('COPY text encoding', () => {
  it('escapes only what COPY text treats specially', () => {
    expect(escapeText('a\\b\tc\nd\re é')).toBe('a\\\\b\\tc\\nd\\re é');
  });

  it('encodes each canonical value as PostgreSQL reads it', () => {
    expect(encode(col('b', 'bit', { length: 5n, precision: 5 }), 5n, 'native')).toBe('00101');
    expect(encode(col('u', 'bigint', { unsigned: true }), 18446744073709551615n, 'native')).toBe(
      '18446744073709551615',
    );
    expect(encode(col('y', 'blob'), new Uint8Array([0, 255]), 'native')).toBe('\\\\x00ff');
    expect(encode(col('d', 'date'), '0000-00-00', 'native')).toBe('\\N');
    expect(encode(col('d', 'date'), '0000-00-00', 'string')).toBe('0000-00-00');
    expect(encode(col('t', 'text'), null, 'native')).toBe('\\N');
    expect(() => encode(col('t', 'text'), 'a\0b', 'native')).toThrow(/d\.t\.t .*NUL/);
  });

  it('writes a row set as one piece of COPY text, escaping only the cells that need it', () => {
    const rs = rows([
      [1n, '1.50', 'plain'],
      [2n, '2.00', 'tab\there\\'],
    ]);
    const fields = table.columns.map((c, i) => fieldColumn(c, rs.columns[i]!, rs.rowCount, 'native', c.name));
    expect(copyRows(fields, rs.rowCount).toString()).toBe('1\t1.50\tplain\n2\t2.00\ttab\\there\\\\\n');
    const withNull = rows([[3n, '0.10', 'x']]);
    withNull.columns[2]!.nulls = new Uint8Array([1]);
    const nulled = table.columns.map((c, i) => fieldColumn(c, withNull.columns[i]!, 1, 'native', c.name));
    expect(copyRows(nulled, 1).toString()).toBe('3\t0.10\t\\N\n');
  });

  it('maps types without loss and names the server without the password', () => {
    expect(postgresType(col('u', 'bigint', { unsigned: true }), 'native')).toBe('numeric(20,0)');
    expect(postgresType(col('d', 'decimal', { precision: 65, scale: 30 }), 'native')).toBe('numeric(65,30)');
    expect(postgresType(col('t', 'datetime'), 'string')).toBe('text');
    expect(describeUrl('postgres://u:s3cret@db.example:6543/wh')).toBe('db.example:6543/wh as u');
  });

  it('leaves a column added after the rows were read out of the COPY, so it takes its default', () => {
    const names = [...table.columns.map((c) => c.name), 'tag'];
    const altered = { ...table, columns: [...table.columns, col('tag', 'varchar')], version: 1 };
    expect(carriedColumns(altered, names, rows([[1n, '1.00', 'a']]))).toEqual(['id', 'price', 'record_id2']);
    // Rows of the current version must carry every column; rows newer than the sink's schema wait.
    expect(() => carriedColumns(table, names, rows([[1n, '1.00', 'a']]))).toThrow(/lacks column tag/);
    const newer = { ...rows([[1n, '1.00', 'a']]), schemaVersion: 2 };
    expect(() => carriedColumns(altered, names, newer)).toThrow(/waiting for the schema change/);
  });
});
