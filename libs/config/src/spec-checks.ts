import { TidewaterError } from '@tidewater/errors';
import { checkStr, must } from './spec-leaves.js';

// The checks every part of the task-spec validation shares: one problem per key path, with
// its fix; independent parts collected into one error.

export type Raw = Record<string, unknown>;

export function fail(key: string, message: string, fix: string): never {
  throw new TidewaterError('TW_SPEC_INVALID', `task spec: ${key}: ${message}`, { subject: key, fix });
}

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every unknown key of the mapping, in one error. */
export function checkKeys(obj: Raw, allowed: readonly string[], where: string): void {
  const problems: TidewaterError[] = [];
  for (const key of Object.keys(obj))
    if (!allowed.includes(key)) problems.push(unknownKey(where ? `${where}.${key}` : key, key, allowed));
  throwProblems(problems);
}

/**
 * An unknown key, with a "did you mean" when an allowed key differs only in case or by at most
 * two edits, or else `elsewhere` (a top-level key that belongs in a section).
 */
export function unknownKey(
  path: string,
  key: string,
  allowed: readonly string[],
  elsewhere?: (key: string) => string | undefined,
): TidewaterError {
  const near =
    allowed.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= 2) ?? elsewhere?.(key);
  const fix = near
    ? `did you mean "${near}"? See docs/task-spec.md`
    : `allowed keys: ${allowed.join(', ')} (docs/task-spec.md)`;
  return new TidewaterError('TW_SPEC_INVALID', `task spec: ${path}: unknown key`, { subject: path, fix });
}

/**
 * Runs one independent part of the validation, keeping its spec error instead of throwing:
 * a spec is checked whole, so the user fixes every problem in one pass.
 */
export function collect<T>(problems: TidewaterError[], part: () => T): T | undefined {
  try {
    return part();
  } catch (e) {
    if (!(e instanceof TidewaterError) || e.code !== 'TW_SPEC_INVALID') throw e;
    problems.push(...((e.details.problems as TidewaterError[] | undefined) ?? [e]));
    return undefined;
  }
}

/** One problem as itself; several as one error listing each key, message and fix. */
export function throwProblems(problems: readonly TidewaterError[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw problems[0]!;
  const lines = problems.map(
    (p) => `  - ${p.message.replace(/^task spec: /, '')}\n      fix: ${p.details.fix ?? 'see docs/task-spec.md'}`,
  );
  throw new TidewaterError('TW_SPEC_INVALID', `task spec has ${problems.length} problems:\n${lines.join('\n')}`, {
    subject: problems.map((p) => p.details.subject).join(', '),
    fix: 'fix each key listed above (docs/task-spec.md)',
    problems,
  });
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

export function str(v: unknown, key: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  return must(key, checkStr(v));
}
