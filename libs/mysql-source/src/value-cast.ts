import type { CanonicalValue } from '@tidewater/rowcodec';

/**
 * mysql2 `typeCast` producing the canonical value form of @tidewater/rowcodec (encoding.ts)
 * from the text protocol, for every column of every result. It relies on the pool options set in
 * connection.ts: `dateStrings` (temporal values as the server prints them: zero dates and
 * fractional digits kept, TIMESTAMP in the session time zone, which is UTC), `jsonStrings`
 * (MariaDB's extended-metadata JSON stays server text), `supportBigNumbers`/`bigNumberStrings`
 * and no `decimalNumbers` (DECIMAL stays exact text).
 *
 * Only what the driver's default reading gets wrong is overridden; every field reader may be
 * called at most once per value (mysql2 rule).
 */

/** The part of mysql2's typeCast field this module uses (kept local: no driver types leak). */
export interface CastField {
  readonly type: string;
  string(encoding?: string): string | null;
  buffer(): Buffer | null;
}

export function castValue(field: CastField, next: () => unknown): unknown {
  switch (field.type) {
    case 'TINY':
    case 'SHORT':
    case 'INT24':
    case 'LONG':
    case 'YEAR':
      // Up to 2^32-1: exact as a JS number, and no BigInt allocated per value (the
      // rowcodec accepts numbers for every integer encoding).
      return numberOrNull(field.string('ascii'));
    case 'LONGLONG': {
      // Signed and unsigned alike: the decimal text is exact, BigInt keeps 2^64-1.
      const s = field.string('ascii');
      return s === null ? null : BigInt(s);
    }
    case 'BIT': {
      const b = field.buffer();
      return b === null ? null : bitsToBigInt(b);
    }
    case 'FLOAT': {
      // Only reached for a FLOAT selected as is (query()): the server prints it with 6
      // significant digits, which loses precision (16777217 prints as 16777200). Chunk reads
      // therefore select FLOAT columns as `col + 0e0` (sql.ts), which arrives as DOUBLE with
      // all digits of the stored float32. Rounding to float32 keeps what is representable.
      const s = field.string('ascii');
      return s === null ? null : Math.fround(Number(s));
    }
    case 'DOUBLE': {
      // Number() rounds correctly; mysql2's own digit loop can be one ulp off for 16-17 digits.
      const s = field.string('ascii');
      return s === null ? null : Number(s);
    }
    case 'NEWDECIMAL':
    case 'DECIMAL':
      return field.string('ascii');
    case 'GEOMETRY':
      // The internal format (4-byte SRID + WKB) as bytes, not mysql2's parsed {x, y} object.
      return field.buffer();
    case 'JSON':
      // MySQL 8 sends JSON with the binary charset: decode the server's text as UTF-8.
      return field.string('utf8');
    default:
      // Text in the connection charset (utf8mb4: latin1 etc. converted by the server), bytes
      // for binary-charset strings and BLOBs, strings for DATE/TIME/DATETIME/TIMESTAMP.
      return next();
  }
}

function numberOrNull(s: string | null): number | null {
  return s === null ? null : Number(s);
}

/** A BIT(n) value arrives as ceil(n/8) big-endian bytes. */
export function bitsToBigInt(b: Uint8Array): bigint {
  if (b.length <= 6) {
    let n = 0;
    for (const byte of b) n = n * 256 + byte;
    return BigInt(n);
  }
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
}

/** Narrows a row produced through `castValue` (each element is canonical by construction). */
export function asCanonicalRow(row: unknown): CanonicalValue[] {
  return row as CanonicalValue[];
}
