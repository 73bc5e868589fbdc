import { describe, expect, it } from 'vitest';
import { bitsToBigInt, castValue, type CastField } from './value-cast.js';

/** A field as mysql2's typeCast hands it: readers over one text-protocol value. */
function field(type: string, raw: string | Buffer | null): CastField {
  const buf = raw === null ? null : Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8');
  return {
    type,
    string: (encoding = 'utf8') => (buf === null ? null : buf.toString(encoding as BufferEncoding)),
    buffer: () => buf,
  };
}
const NEXT = Symbol('next');
const next = () => NEXT;

describe('castValue', () => {
  it('reads BIGINT as an exact bigint and narrower integers as numbers', () => {
    expect(castValue(field('LONGLONG', '18446744073709551615'), next)).toBe(18446744073709551615n);
    expect(castValue(field('LONGLONG', '-9223372036854775808'), next)).toBe(-9223372036854775808n);
    expect(castValue(field('TINY', '-128'), next)).toBe(-128);
    expect(castValue(field('INT24', '16777215'), next)).toBe(16777215);
    expect(castValue(field('YEAR', '0000'), next)).toBe(0);
    expect(castValue(field('LONG', '4294967295'), next)).toBe(4294967295);
    expect(castValue(field('LONG', null), next)).toBeNull();
  });

  it('reads BIT(n) bytes as an unsigned bigint', () => {
    expect(castValue(field('BIT', Buffer.alloc(8, 0xff)), next)).toBe(2n ** 64n - 1n);
    expect(castValue(field('BIT', Buffer.from([1])), next)).toBe(1n);
    expect(castValue(field('BIT', Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02])), next)).toBe(2n ** 48n + 2n);
    expect(bitsToBigInt(new Uint8Array([0x12, 0x34]))).toBe(0x1234n);
  });

  it('keeps DECIMAL text exact', () => {
    const d = '-99999999999999999999999999999999999.999999999999999999999999999999';
    expect(castValue(field('NEWDECIMAL', d), next)).toBe(d);
  });

  it('parses DOUBLE with correct rounding and FLOAT as float32', () => {
    expect(castValue(field('DOUBLE', '0.30000000000000004'), next)).toBe(0.30000000000000004);
    expect(castValue(field('DOUBLE', '3.1415927410125732'), next)).toBe(3.1415927410125732);
    expect(castValue(field('DOUBLE', '-1.7976931348623157e308'), next)).toBe(-1.7976931348623157e308);
    expect(castValue(field('FLOAT', '3.14159'), next)).toBe(Math.fround(3.14159));
    expect(castValue(field('DOUBLE', null), next)).toBeNull();
  });

  it('returns spatial values as raw bytes and JSON as UTF-8 text', () => {
    const point = Buffer.from('000000000101000000000000000000f03f0000000000000040', 'hex');
    expect(castValue(field('GEOMETRY', point), next)).toEqual(point);
    expect(castValue(field('JSON', Buffer.from('{"ü": 1}', 'utf8')), next)).toBe('{"ü": 1}');
  });

  it('leaves text, bytes and temporal strings to the driver', () => {
    for (const t of ['VAR_STRING', 'STRING', 'BLOB', 'DATE', 'DATETIME', 'TIMESTAMP', 'TIME', 'ENUM', 'SET']) {
      expect(castValue(field(t, 'x'), next)).toBe(NEXT);
    }
  });
});
