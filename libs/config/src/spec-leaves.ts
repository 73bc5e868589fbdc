import { z } from 'zod';
import { TidewaterError } from '@tidewater/errors';

// Building blocks of the task-spec schema (spec-schema.ts). Each value check names its problem
// and a fix for the key path it lands on; the path is only known once zod reports the issue
// (spec-issues.ts turns issues into TW_SPEC_INVALID problems).

/** One row of the docs table (docs/task-spec.md); `default` overrides the text drawn from the schema. */
export interface KeyDoc {
  readonly type?: string;
  readonly default?: string;
  readonly allowed?: string;
  readonly meaning?: string;
}

/** What zod carries for a key: its docs row, and how to say that a section is not a mapping. */
export interface KeyMeta {
  readonly doc?: KeyDoc;
  /** Rows of keys validated outside the schema (objects), in table order. */
  readonly rows?: Readonly<Record<string, KeyDoc>>;
  readonly notObject?: { readonly message: string; readonly fix: string };
}

/** A value's problem; `at` is a path below the key (a list element). */
export class Bad {
  constructor(
    readonly message: string,
    readonly fix: (key: string) => string,
    readonly at: readonly (string | number)[] = [],
  ) {}
}

/** The value, or the spec error of its problem (for validation code outside the schema). */
export function must<T>(key: string, r: T | Bad): T {
  if (r instanceof Bad)
    throw new TidewaterError('TW_SPEC_INVALID', `task spec: ${key}: ${r.message}`, { subject: key, fix: r.fix(key) });
  return r;
}

export const withMeta = <T extends z.ZodType>(schema: T, meta: KeyMeta): T =>
  schema.meta(meta as Record<string, unknown>);

/** A value checked by `check`, which returns the value or its problem(s). */
export function leaf<T>(check: (v: unknown) => T | Bad | Bad[], doc?: KeyDoc) {
  const schema = z.unknown().transform((v, ctx): T => {
    const r = check(v);
    const bads = r instanceof Bad ? [r] : Array.isArray(r) && r[0] instanceof Bad ? (r as Bad[]) : [];
    if (bads.length === 0) return r as T;
    for (const b of bads) ctx.addIssue({ code: 'custom', message: b.message, path: [...b.at], params: { fix: b.fix } });
    return z.NEVER;
  });
  return doc ? withMeta(schema, { doc }) : schema;
}

const n = (x: number) => x.toLocaleString('en-US');

export function checkInt(v: unknown, min: number, max: number): number | Bad {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    return new Bad(`must be an integer from ${min} to ${max}`, (k) => `set ${k} within ${min}..${max}`);
  return v;
}

export const int = (min: number, max: number) =>
  leaf((v) => checkInt(v, min, max), { type: 'integer', allowed: `${n(min)} … ${n(max)}` });

export function checkOneOf<T extends string>(v: unknown, allowed: readonly T[]): T | Bad {
  if (typeof v !== 'string' || !allowed.includes(v as T))
    return new Bad(
      `must be one of ${allowed.join(', ')}`,
      (k) => `set ${k} to ${allowed.map((a) => `"${a}"`).join(' or ')}`,
    );
  return v as T;
}

export const oneOf = <T extends string>(allowed: readonly T[]) =>
  leaf((v) => checkOneOf(v, allowed), { type: 'string', allowed: allowed.map((a) => `\`${a}\``).join(', ') });

export function checkStr(v: unknown): string | Bad {
  if (typeof v !== 'string' || v.length === 0)
    return new Bad(v === undefined ? 'is required' : 'must be a non-empty string', (k) => `set ${k} to a string`);
  return v;
}

export const str = () => leaf(checkStr, { type: 'string', allowed: 'non-empty' });

/** A mapping of known keys; an unknown key is a problem with a "did you mean" (spec-issues.ts). */
export function section<S extends z.ZodRawShape>(
  shape: S,
  notObject: KeyMeta['notObject'] = { message: 'must be an object', fix: 'see docs/task-spec.md' },
) {
  return withMeta(z.strictObject(shape), { notObject });
}

/** A spec error thrown by validation code outside the schema, kept as the issue's problems. */
export function guard<I, O>(fn: (input: I) => O) {
  return (input: I, ctx: z.RefinementCtx): O => {
    try {
      return fn(input);
    } catch (e) {
      if (!(e instanceof TidewaterError) || e.code !== 'TW_SPEC_INVALID') throw e;
      ctx.addIssue({
        code: 'custom',
        message: e.message,
        params: { problems: (e.details.problems as TidewaterError[] | undefined) ?? [e] },
      });
      return z.NEVER;
    }
  };
}
