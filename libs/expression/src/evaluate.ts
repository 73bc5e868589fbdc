import type { ExprColumn, Expression, Node } from './ast.js';
import { arithmetic, negate } from './arithmetic.js';
import { FUNCTIONS, KEEPS_COLLATION } from './functions.js';
import { likeRegExp } from './like.js';
import { columnCollation, columnReader, type RowGetter } from './row-reader.js';
import {
  bool,
  BYTES,
  collationKey,
  compare,
  Dec,
  DEFAULT_COLLATION,
  FALSE,
  toStr,
  truth,
  TRUE,
  type Collation,
  type V,
} from './values.js';

// Compiles a parsed expression into a function of a row: filters as MySQL's WHERE keeps rows,
// values as MySQL types them (NULL logic, collations, comparisons; arithmetic.ts, like.ts).

interface Compiled {
  readonly run: (get: RowGetter) => V;
  /** The collation of a string column (or binary type) this value carries; undefined for literals and numbers. */
  readonly coll: Collation | undefined;
}

/**
 * The collation operands compare by (MySQL's coercibility): a binary string wins, then a
 * column's, a `_bin` one before a case-insensitive one; literals take the column's.
 */
function pick(...cs: (Collation | undefined)[]): Collation | undefined {
  return cs.find((c) => c?.bytes) ?? cs.find((c) => c && !c.caseInsensitive) ?? cs.find((c) => c !== undefined);
}

const by = (...cs: (Collation | undefined)[]): Collation => pick(...cs) ?? DEFAULT_COLLATION;

class Compiler {
  private readonly cols: ExprColumn[];

  constructor(expr: Expression, columns: readonly ExprColumn[]) {
    this.cols = expr.columns.map((name) => columns.find((c) => c.name === name)!);
  }

  node(n: Node): Compiled {
    switch (n.k) {
      case 'null':
        return { run: () => null, coll: undefined };
      case 'int':
        return this.constant(n.v);
      case 'dec':
        return this.constant(Dec.parse(n.text)!);
      case 'float':
        return this.constant(Number(n.text));
      case 'str':
        return this.constant(n.v);
      case 'hex':
        return { run: () => n.v, coll: BYTES };
      case 'col': {
        const read = columnReader(this.cols[n.index]!);
        const i = n.index;
        return { run: (get) => read(get(i)), coll: columnCollation(this.cols[n.index]!) };
      }
      case 'neg': {
        const a = this.node(n.a);
        return { run: (g) => negate(a.run(g)), coll: undefined };
      }
      case 'not': {
        const a = this.node(n.a);
        return {
          run: (g) => {
            const t = truth(a.run(g));
            return t === null ? null : bool(!t);
          },
          coll: undefined,
        };
      }
      case 'bin':
        return this.binary(n);
      case 'is': {
        const a = this.node(n.a);
        const test =
          n.what === 'NULL'
            ? (v: V) => v === null
            : n.what === 'TRUE'
              ? (v: V) => truth(v) === true
              : (v: V) => truth(v) === false;
        return { run: (g) => bool(test(a.run(g)) !== n.not), coll: undefined };
      }
      case 'in': {
        const a = this.node(n.a);
        const list = n.list.map((x) => this.node(x));
        return {
          run: (g) => {
            const v = a.run(g);
            if (v === null) return null;
            let sawNull = false;
            for (const item of list) {
              const w = item.run(g);
              if (w === null) sawNull = true;
              else if (compare(v, w, by(a.coll, item.coll)) === 0) return bool(!n.not);
            }
            return sawNull ? null : bool(n.not);
          },
          coll: undefined,
        };
      }
      case 'between': {
        const [a, lo, hi] = [this.node(n.a), this.node(n.lo), this.node(n.hi)];
        return {
          run: (g) => {
            const v = a.run(g);
            const l = lo.run(g);
            const h = hi.run(g);
            const ge = v === null || l === null ? null : compare(v, l, by(a.coll, lo.coll)) >= 0;
            const le = v === null || h === null ? null : compare(v, h, by(a.coll, hi.coll)) <= 0;
            const r = ge === false || le === false ? false : ge === null || le === null ? null : true;
            return r === null ? null : bool(r !== n.not);
          },
          coll: undefined,
        };
      }
      case 'like':
        return this.like(n);
      case 'case': {
        const subject = n.subject && this.node(n.subject);
        const whens = n.whens.map(([w, t]) => [this.node(w), this.node(t)] as const);
        const otherwise = n.otherwise && this.node(n.otherwise);
        return {
          run: (g) => {
            const s = subject?.run(g);
            for (const [w, t] of whens) {
              const wv = w.run(g);
              const hit = subject
                ? s !== null && s !== undefined && wv !== null && compare(s, wv, by(subject.coll, w.coll)) === 0
                : truth(wv) === true;
              if (hit) return t.run(g);
            }
            return otherwise ? otherwise.run(g) : null;
          },
          coll: undefined,
        };
      }
      case 'fn': {
        const def = FUNCTIONS[n.name]!;
        const args = n.args.map((x) => this.node(x));
        const argColl = pick(...args.map((x) => x.coll));
        const coll = argColl ?? DEFAULT_COLLATION;
        return {
          run: (g) => {
            const vs = args.map((x) => x.run(g));
            if (!def.nullSafe && vs.some((v) => v === null)) return null;
            return def.fn(vs, coll);
          },
          coll: KEEPS_COLLATION.has(n.name) ? argColl : undefined,
        };
      }
    }
  }

  private constant(v: V): Compiled {
    return { run: () => v, coll: undefined };
  }

  private binary(n: Extract<Node, { k: 'bin' }>): Compiled {
    const a = this.node(n.a);
    const b = this.node(n.b);
    const coll = by(a.coll, b.coll);
    switch (n.op) {
      case 'AND':
        return {
          run: (g) => {
            const x = truth(a.run(g));
            if (x === false) return FALSE;
            const y = truth(b.run(g));
            return y === false ? FALSE : x === null || y === null ? null : TRUE;
          },
          coll: undefined,
        };
      case 'OR':
        return {
          run: (g) => {
            const x = truth(a.run(g));
            if (x === true) return TRUE;
            const y = truth(b.run(g));
            return y === true ? TRUE : x === null || y === null ? null : FALSE;
          },
          coll: undefined,
        };
      case 'XOR':
        return {
          run: (g) => {
            const x = truth(a.run(g));
            const y = truth(b.run(g));
            return x === null || y === null ? null : bool(x !== y);
          },
          coll: undefined,
        };
      case '<=>':
        return {
          run: (g) => {
            const x = a.run(g);
            const y = b.run(g);
            return x === null || y === null ? bool(x === y) : bool(compare(x, y, coll) === 0);
          },
          coll: undefined,
        };
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const test = COMPARISONS[n.op];
        return {
          run: (g) => {
            const x = a.run(g);
            if (x === null) return null;
            const y = b.run(g);
            return y === null ? null : bool(test(compare(x, y, coll)));
          },
          coll: undefined,
        };
      }
      default: {
        const op = n.op;
        return {
          run: (g) => {
            const x = a.run(g);
            if (x === null) return null;
            const y = b.run(g);
            return y === null ? null : arithmetic(op, x, y);
          },
          coll: undefined,
        };
      }
    }
  }

  private like(n: Extract<Node, { k: 'like' }>): Compiled {
    const a = this.node(n.a);
    const p = this.node(n.pattern);
    const coll = by(a.coll, p.coll);
    // LIKE never pads; binary strings match exactly.
    const key = (s: string) => (coll.bytes ? s : collationKey(s, coll, false));
    const cache = new Map<string, RegExp>();
    return {
      run: (g) => {
        const v = a.run(g);
        const pat = p.run(g);
        if (v === null || pat === null) return null;
        const ptext = toStr(pat);
        let re = cache.get(ptext);
        if (!re) {
          re = likeRegExp(ptext, n.escape, key);
          if (cache.size < 256) cache.set(ptext, re);
        }
        return bool(re.test(key(toStr(v))) !== n.not);
      },
      coll: undefined,
    };
  }
}

const COMPARISONS: Record<'=' | '<>' | '<' | '<=' | '>' | '>=', (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** True exactly when MySQL's WHERE would keep the row (NULL and false drop it). */
export function compileFilter(expr: Expression, columns: readonly ExprColumn[]): (get: RowGetter) => boolean {
  const c = new Compiler(expr, columns).node(expr.ast);
  return (get) => truth(c.run(get)) === true;
}

/** The expression's value for a row, typed as MySQL types it. */
export function compileValue(expr: Expression, columns: readonly ExprColumn[]): (get: RowGetter) => V {
  return new Compiler(expr, columns).node(expr.ast).run;
}
