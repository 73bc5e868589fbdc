import { TidewaterError } from '@tidewater/errors';
import type { RowValue } from './row-reader.js';
import { Dec, Temporal, toBytes, toDouble, toStr, type V } from './values.js';

/** Where an ETL value goes: the destination column's type. */
export interface TargetColumn {
  /** Names the column in an out-of-range error. */
  readonly name?: string;
  readonly dataType: string;
  readonly scale?: number;
  readonly unsigned?: boolean;
}

const INT32 = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year']);
/** Signed value bits of each integer type: the range is −2^bits … 2^bits − 1, unsigned 0 … 2^(bits+1) − 1. */
const INT_BITS: Record<string, bigint> = {
  tinyint: 7n,
  smallint: 15n,
  mediumint: 23n,
  int: 31n,
  integer: 31n,
  bigint: 63n,
};

/**
 * An expression value in the canonical form of the target column (libs/rowcodec), converted
 * as MySQL assigns values: numbers rounded half away from zero, decimals to the column's
 * scale, text as text. A value that does not convert (e.g. 'abc' into an int) becomes NULL;
 * an integer out of the column's range throws TW_EXPRESSION_INVALID (strict mode would refuse it).
 */
export function toRowValue(v: V, target: TargetColumn): RowValue {
  if (v === null) return null;
  const t = target.dataType.toLowerCase();
  if (INT32.has(t) || t === 'bigint' || t === 'bit') {
    const n = integerOf(v);
    if (n === undefined) return null;
    checkRange(n, t, target);
    return INT32.has(t) ? Number(n) : n;
  }
  if (t === 'decimal' || t === 'numeric') {
    const d =
      v instanceof Dec
        ? v
        : typeof v === 'bigint'
          ? Dec.of(v)
          : Dec.parse(typeof v === 'number' ? v.toFixed(Math.min(20, (target.scale ?? 0) + 2)) : toStr(v));
    return d ? d.rescale(target.scale ?? 0).toString() : null;
  }
  if (t === 'float' || t === 'double' || t === 'real') return toDouble(v);
  if (t === 'date' || t === 'datetime' || t === 'timestamp') {
    const tv = v instanceof Temporal ? v : Temporal.parse(toStr(v), 'datetime');
    if (!tv) return null;
    return t === 'date' ? tv.key.slice(0, 10) : tv.key.replace(/\.?0+$/, '').replace(/:(\d\d)$/, ':$1');
  }
  if (['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'].includes(t)) return toBytes(v);
  return toStr(v);
}

function integerOf(v: Exclude<V, null>): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof Dec) return v.rescale(0).m;
  const n = toDouble(v);
  if (!Number.isFinite(n)) return undefined;
  if (typeof v === 'string' && !/^\s*[+-]?(\d|\.\d)/.test(v)) return undefined;
  return BigInt(Math.sign(n) * Math.round(Math.abs(n)));
}

function checkRange(n: bigint, t: string, target: TargetColumn): void {
  const bits = INT_BITS[t];
  if (bits === undefined) return;
  const [lo, hi] = target.unsigned ? [0n, 2n ** (bits + 1n) - 1n] : [-(2n ** bits), 2n ** bits - 1n];
  if (n >= lo && n <= hi) return;
  const column = target.name ?? 'the destination column';
  throw new TidewaterError(
    'TW_EXPRESSION_INVALID',
    `ETL value ${n} is out of range for ${column} (${t}${target.unsigned ? ' unsigned' : ''}: ${lo} to ${hi})`,
    {
      subject: column,
      fix: `widen ${column}'s type or bound the expression (e.g. LEAST(expr, ${hi}))`,
    },
  );
}
