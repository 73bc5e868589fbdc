import { ValueEncoding, type ColumnDef } from '@tidewater/proto';
import { encodingOf, type CanonicalValue } from '@tidewater/rowcodec';
import { geometryToBytes } from './geometry.js';

/**
 * Turns a value as the binlog reader decoded it into the canonical form of its column's
 * encoding (@tidewater/rowcodec), equal to what the snapshot reader gets from SELECT for
 * the same stored value. Built once per column; called per value.
 */
export type ValueDecoder = (v: unknown) => CanonicalValue;

export function decoderFor(col: ColumnDef, table: string): ValueDecoder {
  const enc = encodingOf(col, table);
  switch (enc) {
    case ValueEncoding.VALUE_ENCODING_INT32:
      // YEAR is stored as (year - 1900) in one byte; 0 is the zero year '0000', which the
      // reader turns into 1900 (not a valid YEAR: the range is 1901..2155).
      if (col.dataType === 'year')
        return (v) => (v === null || v === undefined ? null : Number(v) === 1900 ? 0 : Number(v));
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v as string));
    case ValueEncoding.VALUE_ENCODING_INT:
    case ValueEncoding.VALUE_ENCODING_UINT:
      if (col.dataType === 'bit') return (v) => (v === null || v === undefined ? null : bitValue(v));
      // INT UNSIGNED fits a JS number exactly; the snapshot reader gives numbers for it too.
      if (col.dataType !== 'bigint') return (v) => (v === null || v === undefined ? null : Number(v));
      return (v) => (v === null || v === undefined ? null : BigInt(v as string | number | bigint));
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      // FLOAT arrives as the float32 value widened, DOUBLE exact; both compare equal to
      // SELECT's `col + 0e0` reading.
      return (v) => (v === null || v === undefined ? null : Number(v));
    case ValueEncoding.VALUE_ENCODING_DECIMAL:
      return (v) => (v === null || v === undefined ? null : decimalText(String(v), col.scale));
    case ValueEncoding.VALUE_ENCODING_BYTES: {
      if (SPATIAL.has(col.dataType)) return (v) => (v === null || v === undefined ? null : geometryToBytes(v));
      const fixed = col.dataType === 'binary' ? Number(col.length) : 0;
      return (v) => (v === null || v === undefined ? null : bytes(v, fixed));
    }
    case ValueEncoding.VALUE_ENCODING_JSON:
      return (v) =>
        v === null || v === undefined
          ? null
          : typeof v === 'string'
            ? v
            : Buffer.isBuffer(v)
              ? v.toString('utf8')
              : JSON.stringify(v);
    case ValueEncoding.VALUE_ENCODING_DATE:
      return (v) => (v === null || v === undefined ? null : dateText(v));
    case ValueEncoding.VALUE_ENCODING_DATETIME:
      return (v) => (v === null || v === undefined ? null : datetimeText(v, col.fsp));
    case ValueEncoding.VALUE_ENCODING_TIME:
      return (v) => (v === null || v === undefined ? null : timeText(String(v), col.fsp));
    default:
      // Text: the reader decoded it from the column charset. ENUM/SET: labels.
      return (v) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
}

const SPATIAL = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

function bitValue(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' || typeof v === 'string') return BigInt(v);
  const b = v as Uint8Array;
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n;
}

/** MySQL prints a DECIMAL with exactly `scale` fraction digits. */
export function decimalText(s: string, scale: number): string {
  if (scale === 0) return s.includes('.') ? s.slice(0, s.indexOf('.')) : s;
  const dot = s.indexOf('.');
  const [int, frac] = dot < 0 ? [s, ''] : [s.slice(0, dot), s.slice(dot + 1)];
  return `${int}.${frac.padEnd(scale, '0').slice(0, scale)}`;
}

/** BINARY(n) is stored right-padded with 0x00; SELECT returns all n bytes. */
function bytes(v: unknown, fixed: number): Uint8Array {
  const b = typeof v === 'string' ? Buffer.from(v, 'binary') : (v as Uint8Array);
  if (fixed > 0 && b.length < fixed) {
    const padded = new Uint8Array(fixed);
    padded.set(b);
    return padded;
  }
  return b;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function dateText(v: unknown): string {
  if (typeof v === 'string') return v;
  const d = v as Date;
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** 'YYYY-MM-DD HH:MM:SS' plus exactly `fsp` fraction digits, as SELECT prints. */
export function datetimeText(v: unknown, fsp: number): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number') s = new Date(v * 1000).toISOString().replace('T', ' ').replace('Z', '');
  else s = (v as Date).toISOString().replace('T', ' ').replace('Z', '');
  const dot = s.indexOf('.');
  const base = dot < 0 ? s : s.slice(0, dot);
  if (fsp === 0) return base;
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  return `${base}.${frac.padEnd(fsp, '0').slice(0, fsp)}`;
}

export function timeText(s: string, fsp: number): string {
  const dot = s.indexOf('.');
  const base = dot < 0 ? s : s.slice(0, dot);
  if (fsp === 0) return base;
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  return `${base}.${frac.padEnd(fsp, '0').slice(0, fsp)}`;
}
