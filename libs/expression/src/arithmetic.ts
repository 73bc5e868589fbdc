import { Dec, divRound, isExact, toDec, toDouble, type V } from './values.js';

// Unary minus and the binary arithmetic operators over typed values, as MySQL computes them:
// exact (integer, DECIMAL) operands stay exact, anything else is a double.

export function negate(v: V): V {
  if (v === null) return null;
  if (typeof v === 'bigint') return -v;
  if (v instanceof Dec) return new Dec(-v.m, v.scale);
  return -toDouble(v);
}

/** MySQL's div_precision_increment: `/` of exact values gives 4 more decimals. */
const DIV_EXTRA_SCALE = 4;

export function arithmetic(op: '+' | '-' | '*' | '/' | 'DIV' | '%', x: Exclude<V, null>, y: Exclude<V, null>): V {
  if (op === 'DIV') {
    if (isExact(x) && isExact(y)) {
      const a = toDec(x);
      const b = toDec(y);
      const s = Math.max(a.scale, b.scale);
      const d = b.rescale(s).m;
      return d === 0n ? null : a.rescale(s).m / d;
    }
    const d = toDouble(y);
    return d === 0 ? null : BigInt(Math.trunc(toDouble(x) / d));
  }
  if (isExact(x) && isExact(y)) {
    if (typeof x === 'bigint' && typeof y === 'bigint' && op !== '/') {
      if (op === '%') return y === 0n ? null : x % y;
      return op === '+' ? x + y : op === '-' ? x - y : x * y;
    }
    const a = toDec(x);
    const b = toDec(y);
    switch (op) {
      case '+':
      case '-': {
        const s = Math.max(a.scale, b.scale);
        return new Dec(op === '+' ? a.rescale(s).m + b.rescale(s).m : a.rescale(s).m - b.rescale(s).m, s);
      }
      case '*':
        return new Dec(a.m * b.m, a.scale + b.scale);
      case '%': {
        const s = Math.max(a.scale, b.scale);
        const d = b.rescale(s).m;
        return d === 0n ? null : new Dec(a.rescale(s).m % d, s);
      }
      case '/': {
        if (b.m === 0n) return null;
        const scale = a.scale + DIV_EXTRA_SCALE;
        // a/b at `scale` decimals: (a.m·10^(scale − a.scale + b.scale)) / b.m, rounded half up.
        return new Dec(divRound(a.m * 10n ** BigInt(scale - a.scale + b.scale), b.m), scale);
      }
    }
  }
  const a = toDouble(x);
  const b = toDouble(y);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
    case '%':
      return b === 0 ? null : a % b;
  }
}
