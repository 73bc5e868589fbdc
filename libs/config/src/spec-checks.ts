import { TidewaterError } from '@tidewater/errors';

// The checks every part of the task-spec validation shares: one problem per key path, with
// its fix; independent parts collected into one error.

export type Raw = Record<string, unknown>;

/** The keys of each top-level mapping: checked there, and suggested when one is written at the top level. */
export const NESTED_KEYS = {
  source: ['url', 'host', 'port', 'user', 'password'],
  destination: ['type', 'path'],
  full: ['chunkRows', 'batchRows', 'parallelChunks'],
  incremental: ['additionalColumnRule', 'partition', 'batchRows', 'flushMs'],
  retry: ['connectionMinutes', 'otherMinutes'],
  mapping: ['databasePrefix', 'databaseSuffix', 'tablePrefix', 'tableSuffix'],
  throttle: ['full', 'incremental'],
  heartbeat: ['enabled', 'table', 'intervalMs'],
} as const satisfies Record<string, readonly string[]>;

export function fail(key: string, message: string, fix: string): never {
  throw new TidewaterError('TW_SPEC_INVALID', `task spec: ${key}: ${message}`, { subject: key, fix });
}

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every unknown key of the mapping, in one error. */
export function checkKeys(obj: Raw, allowed: readonly string[], where: string): void {
  const problems: TidewaterError[] = [];
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    collect(problems, () => {
      const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= 2) ?? (where ? undefined : nestedKey(key));
      fail(where ? `${where}.${key}` : key, 'unknown key', near ? `did you mean "${near}"? See docs/task-spec.md` : `allowed keys: ${allowed.join(', ')} (docs/task-spec.md)`);
    });
  }
  throwProblems(problems);
}

/** `chunkRows` at the top level → `full.chunkRows` (both places when it exists in several). */
function nestedKey(key: string): string | undefined {
  const found = Object.entries(NESTED_KEYS).filter(([, keys]) => keys.some((k) => k.toLowerCase() === key.toLowerCase())).map(([parent, keys]) => `${parent}.${keys.find((k) => k.toLowerCase() === key.toLowerCase())}`);
  return found.length ? found.join('" or "') : undefined;
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
  const lines = problems.map((p) => `  - ${p.message.replace(/^task spec: /, '')}\n      fix: ${p.details.fix ?? 'see docs/task-spec.md'}`);
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
  if (typeof v !== 'string' || v.length === 0) fail(key, v === undefined ? 'is required' : 'must be a non-empty string', `set ${key} to a string`);
  return v;
}

export function int(v: unknown, key: string, fallback: number, [min, max]: readonly [number, number]): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(key, `must be an integer from ${min} to ${max}`, `set ${key} within ${min}..${max}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, key: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(key, `must be one of ${allowed.join(', ')}`, `set ${key} to ${allowed.map((a) => `"${a}"`).join(' or ')}`);
  return v as T;
}
