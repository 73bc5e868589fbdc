import { parse as parseYaml } from 'yaml';
import { TidewaterError } from '@tidewater/errors';
import type { z } from 'zod';
import { objectsFromDtsDbList } from './dts-db-list.js';
import { parseObjects } from './parse-objects.js';
import { collect, fail, isObject, throwProblems, unknownKey, type Raw } from './spec-checks.js';
import { taskSpecSchema } from './spec-schema.js';
import { metaOf, nodeAt, shapeOf } from './spec-walk.js';
import type { ObjectSpec, TaskSpec } from './task-spec.js';
import { mapWebhookSecrets } from './secrets.js';

function objectsOf(raw: Raw): ObjectSpec[] {
  if (raw.dbList !== undefined) {
    if (raw.objects !== undefined) fail('dbList', 'is given together with objects', 'use one of them');
    // Same validation as `objects:` (names, filters, the table-count rule).
    return parseObjects(objectsFromDtsDbList(raw.dbList));
  }
  return parseObjects(raw.objects);
}

const keyPath = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

/** `chunkRows` at the top level → `full.chunkRows` (both places when it exists in several). */
function sectionKey(key: string): string | undefined {
  const found = Object.entries(shapeOf(taskSpecSchema)!).flatMap(([parent, node]) => {
    const k = Object.keys(shapeOf(node) ?? {}).find((n) => n.toLowerCase() === key.toLowerCase());
    return k ? [`${parent}.${k}`] : [];
  });
  return found.length ? found.join('" or "') : undefined;
}

/** The schema's issues as spec errors naming the key path and the fix. */
function problemsOf(issues: readonly z.core.$ZodIssue[]): TidewaterError[] {
  return issues.flatMap((issue) => {
    const params = (issue as { params?: { fix?: (key: string) => string; problems?: TidewaterError[] } }).params;
    if (params?.problems) return params.problems;
    const key = keyPath(issue.path);
    const problem = (message: string, fix: string) =>
      new TidewaterError('TW_SPEC_INVALID', `task spec: ${key}: ${message}`, { subject: key, fix });
    if (issue.code === 'unrecognized_keys') {
      const allowed = Object.keys(shapeOf(nodeAt(taskSpecSchema, issue.path)!) ?? {});
      return issue.keys.map((k) =>
        unknownKey(key ? `${key}.${k}` : k, k, allowed, issue.path.length ? undefined : sectionKey),
      );
    }
    if (params?.fix) return [problem(issue.message, params.fix(key))];
    const node = nodeAt(taskSpecSchema, issue.path);
    const notObject = node && metaOf(node).notObject;
    if (issue.code === 'invalid_type' && notObject) return [problem(notObject.message, notObject.fix)];
    return [problem(issue.message, 'see docs/task-spec.md')];
  });
}

/**
 * Validates a task spec given as a parsed object. Throws TW_SPEC_INVALID naming the key and
 * the fix; a spec with several problems gets one error listing them all.
 */
export function validateTaskSpec(raw: unknown): TaskSpec {
  if (!isObject(raw)) fail('(root)', 'must be a mapping of keys', 'see docs/task-spec.md for an example');
  const problems: TidewaterError[] = [];
  const parsed = taskSpecSchema.safeParse(raw);
  if (!parsed.success) problems.push(...problemsOf(parsed.error.issues));
  const objects = collect(problems, () => objectsOf(raw));
  throwProblems(problems);
  // No problem: the schema parsed and the objects are valid.
  const { dbList: _dbList, objects: _objects, name, source, destination, migrationTypes, ...rest } = parsed.data!;
  // In the schema's key order, as a stored spec's JSON always had it.
  return { name, source, destination, migrationTypes, objects: objects!, ...rest };
}

/** Parses YAML or JSON text (JSON is YAML) into a validated spec. */
export function parseTaskSpec(text: string): TaskSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    fail(
      '(file)',
      `is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`,
      'fix the syntax at the line shown',
    );
  }
  return validateTaskSpec(raw);
}

/** The spec as it may be shown or logged: the password replaced. */
export function redactSpec(spec: TaskSpec): TaskSpec {
  spec = mapWebhookSecrets(spec, shownAs);
  const d = spec.destination;
  return {
    ...spec,
    source: { ...spec.source, password: spec.source.password ? '***' : '' },
    ...(d.password === undefined ? {} : { destination: { ...d, password: d.password ? '***' : '' } }),
  };
}

/** A webhook URL shows only where it goes (its token is in the path or query); a secret shows nothing. */
function shownAs(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return `${u.origin}/***`;
  } catch {
    // not a URL: a signing secret
  }
  return '***';
}
