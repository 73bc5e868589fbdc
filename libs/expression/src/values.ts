/**
 * Runtime values of expressions, typed the way MySQL types them: exact integers (bigint),
 * exact decimals (Dec), doubles (number), strings, binary strings (Uint8Array) and
 * temporal values (Temporal). Booleans are the integers 1 and 0, as in MySQL.
 */
export type V = null | bigint | Dec | number | string | Uint8Array | Temporal;

/** An exact decimal: mantissa × 10^-scale. */
export class Dec {
  constructor(
    readonly m: bigint,
    readonly scale: number,
  ) {}

  static parse(text: string): Dec | undefined {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
    const frac = m[3] ?? '';
    return new Dec(BigInt(`${m[1]}${m[2] || '0'}${frac}`), frac.length);
  }

  static of(v: bigint): Dec {
    return new Dec(v, 0);
  }

  rescale(scale: number): Dec {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Dec(this.m * 10n ** BigInt(scale - this.scale), scale);
    return new Dec(divRound(this.m, 10n ** BigInt(this.scale - scale)), scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    if (this.scale === 0) return this.m.toString();
    const neg = this.m < 0n;
    const digits = (neg ? -this.m : this.m).toString().padStart(this.scale + 1, '0');
    return `${neg ? '-' : ''}${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`;
  }
}

/** Rounds n / d half away from zero (MySQL's rule for exact values). */
export function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an + ad / 2n) / ad;
  return neg ? -q : q;
}

/** A DATE / DATETIME / TIMESTAMP value: `text` as MySQL prints it, `key` comparable. */
export class Temporal {
  constructor(
    readonly text: string,
    readonly key: string,
    readonly kind: 'date' | 'datetime',
  ) {}

  /** Parses what MySQL accepts for a date or datetime in a comparison ('2024-1-5', '2024-01-05 10:00'). */
  static parse(text: string, kind: 'date' | 'datetime'): Temporal | undefined {
    const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?\s*$/.exec(
      text,
    );
    if (!m) return undefined;
    const p2 = (s: string | undefined) => (s ?? '0').padStart(2, '0');
    const frac = (m[7] ?? '').padEnd(6, '0');
    const key = `${m[1]}-${p2(m[2])}-${p2(m[3])} ${p2(m[4])}:${p2(m[5])}:${p2(m[6])}.${frac}`;
    return new Temporal(text.trim(), key, kind);
  }

  /** YYYYMMDD or YYYYMMDDHHMMSS.ffffff as a number, what MySQL compares with numbers. */
  toNumber(): number {
    const d = this.key.replace(/[- :]/g, '');
    return this.kind === 'date' ? Number(d.slice(0, 8)) : Number(d);
  }
}

export const TRUE = 1n;
export const FALSE = 0n;
export const bool = (b: boolean): bigint => (b ? TRUE : FALSE);

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

export function toStr(v: Exclude<V, null>): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatDouble(v);
  if (v instanceof Dec) return v.toString();
  if (v instanceof Temporal) return v.text;
  return utf8.decode(v);
}

export function toBytes(v: Exclude<V, null>): Uint8Array {
  return v instanceof Uint8Array ? v : encoder.encode(toStr(v));
}

/** MySQL prints doubles with up to 17 significant digits and no trailing zeros. */
export function formatDouble(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(17))).replace('e+', 'e');
}

/** A string as a number: its longest numeric prefix, 0 when there is none (MySQL's conversion). */
export function toDouble(v: Exclude<V, null>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Dec) return v.toNumber();
  if (v instanceof Temporal) return v.toNumber();
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(toStr(v));
  return m ? Number(m[0]) : 0;
}

export function isExact(v: V): v is bigint | Dec {
  return typeof v === 'bigint' || v instanceof Dec;
}

export function toDec(v: bigint | Dec): Dec {
  return typeof v === 'bigint' ? Dec.of(v) : v;
}

/** WHERE truthiness: NULL is unknown, any non-zero number is true. */
export function truth(v: V): boolean | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v !== 0n;
  if (v instanceof Dec) return v.m !== 0n;
  return toDouble(v) !== 0;
}

/** How strings compare under a collation (or as binary strings). */
export interface Collation {
  /** Binary strings (a binary type or a hex literal): bytes, no padding. */
  readonly bytes: boolean;
  readonly caseInsensitive: boolean;
  /** Only meaningful when case-insensitive: `_as_ci` collations keep accents apart. */
  readonly accentInsensitive: boolean;
  /** PAD SPACE: 'a' = 'a ' (LIKE never pads). NO PAD collations (MySQL 8 `0900`, MariaDB `nopad`) count trailing spaces. */
  readonly padSpace: boolean;
}

export const BYTES: Collation = { bytes: true, caseInsensitive: false, accentInsensitive: false, padSpace: false };
/** What strings without a column collation compare by: MariaDB's default utf8mb4_general_ci. */
export const DEFAULT_COLLATION: Collation = {
  bytes: false,
  caseInsensitive: true,
  accentInsensitive: true,
  padSpace: true,
};

/** The collation's traits, from MySQL's naming rules (`_bin`, `_cs`, `_as_ci`, `_ci`, `0900`, `nopad`). */
export function collationOf(name: string): Collation {
  const n = name.toLowerCase();
  // `_bin` is binary order even in names like utf8mb4_0900_bin; `_cs` / `_as_cs` are case-sensitive.
  const caseInsensitive = !/_bin$/.test(n) && !/_cs(_|$)/.test(n) && /_ci(_|$)/.test(n);
  return {
    bytes: false,
    caseInsensitive,
    accentInsensitive: caseInsensitive && !/_as_ci/.test(n),
    padSpace: !/0900|nopad/.test(n),
  };
}

/**
 * True when the evaluator orders strings exactly as the collation does: binary (`_bin`) and
 * `*_general_ci` (simple case folding). UCA collations (`unicode`, `unicode_520`, `0900`,
 * `uca1400`) and locale variants (swedish, german2, …) have their own weights.
 */
export function ordersLikeMySql(name: string): boolean {
  return /_bin$|_general(_nopad)?_ci$/i.test(name);
}

/**
 * The comparison key of a string under a text collation: for case-insensitive ones letters
 * fold to upper case (and, unless accent-sensitive, lose their diacritics). `pad` drops
 * trailing spaces (PAD SPACE comparisons; LIKE never pads).
 */
export function collationKey(s: string, c: Collation, pad = c.padSpace): string {
  let k = s;
  if (c.caseInsensitive) {
    if (c.accentInsensitive) k = k.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    k = k.toUpperCase();
  }
  return pad ? k.replace(/ +$/, '') : k;
}

export function cmp<T extends bigint | number | string>(a: T, b: T): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function cmpDec(a: Dec, b: Dec): -1 | 0 | 1 {
  const s = Math.max(a.scale, b.scale);
  return cmp(a.rescale(s).m, b.rescale(s).m);
}

function cmpBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return cmp(a.length, b.length);
}

/**
 * MySQL's comparison of two non-NULL values: strings as strings by `coll`, a temporal value
 * against a string as temporal, exact numbers exactly, everything else as doubles.
 */
export function compare(a: Exclude<V, null>, b: Exclude<V, null>, coll: Collation): -1 | 0 | 1 {
  if (a instanceof Temporal || b instanceof Temporal) {
    const ta = a instanceof Temporal ? a : typeof a === 'string' ? Temporal.parse(a, 'datetime') : undefined;
    const tb = b instanceof Temporal ? b : typeof b === 'string' ? Temporal.parse(b, 'datetime') : undefined;
    if (ta && tb) return cmp(ta.key, tb.key);
    if (typeof a === 'string' || typeof b === 'string') return cmp(toStr(a), toStr(b));
    return cmp(toDouble(a), toDouble(b));
  }
  const textual = (x: unknown) => typeof x === 'string' || x instanceof Uint8Array;
  if (textual(a) && textual(b)) {
    if (coll.bytes || a instanceof Uint8Array || b instanceof Uint8Array) return cmpBytes(toBytes(a), toBytes(b));
    return cmp(collationKey(toStr(a), coll), collationKey(toStr(b), coll));
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return cmp(a, b);
  if (isExact(a) && isExact(b)) return cmpDec(toDec(a), toDec(b));
  return cmp(toDouble(a), toDouble(b));
}
