import {
  Dec,
  Temporal,
  compare,
  type Collation,
  divRound,
  isExact,
  toDec,
  toDouble,
  toStr,
  truth,
  type V,
} from './values.js';

/** `coll`: how the arguments compare as strings (the collation of a column among them). */
type Fn = (args: V[], coll: Collation) => V;

interface FunctionDef {
  readonly arity: readonly [number, number];
  /** Pure: the same arguments always give the same value (so source and transform agree). */
  readonly fn: Fn;
  /** NULL in → NULL out for every argument (most functions); the others handle NULL themselves. */
  readonly nullSafe?: boolean;
}

/** Functions whose value depends on when or where they run: refused with the reason. */
export const NON_DETERMINISTIC = new Set([
  'NOW',
  'SYSDATE',
  'CURDATE',
  'CURTIME',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'UTC_DATE',
  'UTC_TIME',
  'UTC_TIMESTAMP',
  'UNIX_TIMESTAMP',
  'RAND',
  'UUID',
  'UUID_SHORT',
  'CONNECTION_ID',
  'USER',
  'CURRENT_USER',
  'DATABASE',
  'SCHEMA',
  'VERSION',
  'LAST_INSERT_ID',
  'ROW_COUNT',
  'FOUND_ROWS',
]);

const chars = (s: string) => [...s];
const str =
  (f: (s: string, ...rest: V[]) => V): Fn =>
  (a) =>
    f(toStr(a[0]!), ...a.slice(1));
const int = (v: V): number => Number(typeof v === 'bigint' ? v : BigInt(Math.round(toDouble(v!))));

function substring(s: string, pos: number, len?: number): string {
  const cs = chars(s);
  if (pos === 0) return '';
  const start = pos > 0 ? pos - 1 : cs.length + pos;
  if (start < 0 || start >= cs.length) return '';
  return cs.slice(start, len === undefined ? undefined : start + Math.max(0, len)).join('');
}

function round(v: V, d: number, mode: 'round' | 'floor' | 'ceil'): V {
  if (isExact(v)) {
    const x = toDec(v);
    const keep = Math.max(0, d);
    if (x.scale <= keep && d >= 0) return v;
    const unit = 10n ** BigInt(x.scale - d);
    let q: bigint;
    if (mode === 'round') q = divRound(x.m, unit);
    else {
      q = x.m / unit;
      const exact = q * unit === x.m;
      if (!exact && mode === 'floor' && x.m < 0n) q -= 1n;
      if (!exact && mode === 'ceil' && x.m > 0n) q += 1n;
    }
    if (d > 0) return new Dec(q, d);
    const r = q * 10n ** BigInt(-d);
    return typeof v === 'bigint' ? r : new Dec(r, 0);
  }
  const n = toDouble(v!);
  const f = 10 ** d;
  if (mode === 'floor') return Math.floor(n * f) / f;
  if (mode === 'ceil') return Math.ceil(n * f) / f;
  // Approximate values: nearest, ties to even (the C library's rint, as MySQL uses).
  const x = n * f;
  const r = Math.round(x);
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) / f;
}

function temporalOf(v: V): Temporal | undefined {
  if (v instanceof Temporal) return v;
  return Temporal.parse(toStr(v!), 'datetime');
}

function part(v: V, from: number, to: number): V {
  const t = temporalOf(v);
  return t ? BigInt(Number(t.key.slice(from, to))) : null;
}

function extreme(args: V[], sign: 1 | -1, coll: Collation): V {
  const vs = args.filter((a): a is Exclude<V, null> => a !== null);
  if (vs.length < args.length) return null;
  let best = vs[0]!;
  for (const a of vs.slice(1)) if (compare(a, best, coll) * sign > 0) best = a;
  return best;
}

/** Functions whose string value keeps the collation of their arguments (`CONCAT(code, …)` compares as `code` does). */
export const KEEPS_COLLATION = new Set([
  'LOWER',
  'UPPER',
  'CONCAT',
  'SUBSTRING',
  'SUBSTR',
  'LEFT',
  'RIGHT',
  'TRIM',
  'LTRIM',
  'RTRIM',
  'REPLACE',
  'COALESCE',
  'IFNULL',
]);

export const FUNCTIONS: Record<string, FunctionDef> = {
  LOWER: { arity: [1, 1], fn: str((s) => s.toLowerCase()) },
  LCASE: { arity: [1, 1], fn: str((s) => s.toLowerCase()) },
  UPPER: { arity: [1, 1], fn: str((s) => s.toUpperCase()) },
  UCASE: { arity: [1, 1], fn: str((s) => s.toUpperCase()) },
  LENGTH: {
    arity: [1, 1],
    fn: (a) => BigInt(a[0] instanceof Uint8Array ? a[0].length : Buffer.byteLength(toStr(a[0]!), 'utf8')),
  },
  CHAR_LENGTH: { arity: [1, 1], fn: str((s) => BigInt(chars(s).length)) },
  CHARACTER_LENGTH: { arity: [1, 1], fn: str((s) => BigInt(chars(s).length)) },
  CONCAT: { arity: [1, Infinity], fn: (a) => a.map((x) => toStr(x!)).join('') },
  CONCAT_WS: {
    arity: [2, Infinity],
    nullSafe: true,
    fn: (a) =>
      a[0] === null
        ? null
        : a
            .slice(1)
            .filter((x) => x !== null)
            .map((x) => toStr(x!))
            .join(toStr(a[0]!)),
  },
  SUBSTRING: {
    arity: [2, 3],
    fn: (a) => substring(toStr(a[0]!), int(a[1]!), a[2] === undefined ? undefined : int(a[2])),
  },
  SUBSTR: { arity: [2, 3], fn: (a) => substring(toStr(a[0]!), int(a[1]!), a[2] === undefined ? undefined : int(a[2])) },
  LEFT: {
    arity: [2, 2],
    fn: (a) =>
      chars(toStr(a[0]!))
        .slice(0, Math.max(0, int(a[1]!)))
        .join(''),
  },
  RIGHT: {
    arity: [2, 2],
    fn: (a) => {
      const n = Math.max(0, int(a[1]!));
      return n === 0 ? '' : chars(toStr(a[0]!)).slice(-n).join('');
    },
  },
  TRIM: { arity: [1, 1], fn: str((s) => s.replace(/^ +| +$/g, '')) },
  LTRIM: { arity: [1, 1], fn: str((s) => s.replace(/^ +/, '')) },
  RTRIM: { arity: [1, 1], fn: str((s) => s.replace(/ +$/, '')) },
  REPLACE: {
    arity: [3, 3],
    fn: (a) => {
      const from = toStr(a[1]!);
      return from === '' ? toStr(a[0]!) : toStr(a[0]!).split(from).join(toStr(a[2]!));
    },
  },
  COALESCE: { arity: [1, Infinity], nullSafe: true, fn: (a) => a.find((x) => x !== null) ?? null },
  IFNULL: { arity: [2, 2], nullSafe: true, fn: (a) => (a[0] !== null ? a[0]! : a[1]!) },
  NULLIF: {
    arity: [2, 2],
    nullSafe: true,
    fn: (a, coll) => (a[0] != null && a[1] != null && compare(a[0], a[1], coll) === 0 ? null : a[0]!),
  },
  IF: { arity: [3, 3], nullSafe: true, fn: (a) => (truth(a[0]!) ? a[1]! : a[2]!) },
  ABS: {
    arity: [1, 1],
    fn: (a) => {
      const v = a[0]!;
      if (typeof v === 'bigint') return v < 0n ? -v : v;
      if (v instanceof Dec) return new Dec(v.m < 0n ? -v.m : v.m, v.scale);
      return Math.abs(toDouble(v));
    },
  },
  ROUND: { arity: [1, 2], fn: (a) => round(a[0]!, a[1] === undefined ? 0 : int(a[1]), 'round') },
  FLOOR: { arity: [1, 1], fn: (a) => round(a[0]!, 0, 'floor') },
  CEIL: { arity: [1, 1], fn: (a) => round(a[0]!, 0, 'ceil') },
  CEILING: { arity: [1, 1], fn: (a) => round(a[0]!, 0, 'ceil') },
  GREATEST: { arity: [2, Infinity], nullSafe: true, fn: (a, coll) => extreme(a, 1, coll) },
  LEAST: { arity: [2, Infinity], nullSafe: true, fn: (a, coll) => extreme(a, -1, coll) },
  YEAR: { arity: [1, 1], fn: (a) => part(a[0]!, 0, 4) },
  MONTH: { arity: [1, 1], fn: (a) => part(a[0]!, 5, 7) },
  DAY: { arity: [1, 1], fn: (a) => part(a[0]!, 8, 10) },
  DAYOFMONTH: { arity: [1, 1], fn: (a) => part(a[0]!, 8, 10) },
  DATE: {
    arity: [1, 1],
    fn: (a) => {
      const t = temporalOf(a[0]!);
      return t ? new Temporal(t.key.slice(0, 10), `${t.key.slice(0, 10)} 00:00:00.000000`, 'date') : null;
    },
  },
};
