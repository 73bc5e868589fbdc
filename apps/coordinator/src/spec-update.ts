import type { TaskSpec } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';

/**
 * Keys `UpdateTask` may change on an existing task: how to reach and pace the source, not
 * what is copied or where. Positions, checkpoints and the chunk plan stay valid under them.
 */
const UPDATABLE: ReadonlySet<keyof TaskSpec> = new Set(['source', 'throttle', 'retry', 'heartbeat', 'alerts']);

/** Keys that change on a running task as well: the alert runner reads them on its next tick. */
const LIVE: ReadonlySet<string> = new Set(['alerts']);

/** Whether changing `changed` (specChanges' keys) needs the task paused first. */
export const needsPause = (changed: readonly string[]): boolean => changed.some((k) => !LIVE.has(k.split('.')[0]!));

/** Why each other key is fixed at creation: the work done so far was made under it. */
const FIXED_BECAUSE: Record<
  Exclude<keyof TaskSpec, 'source' | 'throttle' | 'retry' | 'heartbeat' | 'alerts'>,
  string
> = {
  name: 'it is the task id',
  destination: 'the rows copied so far are in the current destination',
  migrationTypes: 'the stages run so far were chosen by it',
  objects: 'it decides which tables were copied',
  capitalization: 'the destination tables were named by it',
  mapping: 'the destination tables were named by it',
  temporalMapping: 'the destination columns were typed by it',
  conflictMode: 'the destination tables were created or adopted under it',
  full: 'the chunk plan and the rows copied so far were made with it',
  incremental: 'the _log tables were created with its columns and the change stream batched by it',
  sink: "each key's earlier changes and each chunk went to the partition its count chose",
};

/** The keys (dotted, down to leaves of mappings; lists whole) whose values differ. */
function differences(a: unknown, b: unknown, path: string): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isMap(a) && isMap(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) =>
      differences(a[k], b[k], path ? `${path}.${k}` : k),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

/**
 * The keys `next` changes against `current` (names only: a password is never quoted).
 * Throws TW_SPEC_INVALID naming each key that may not change and why.
 */
export function specChanges(taskId: string, current: TaskSpec, next: TaskSpec): string[] {
  const changed = differences(current, next, '');
  const fixed = changed.filter((k) => !UPDATABLE.has(k.split('.')[0] as keyof TaskSpec));
  if (fixed.length > 0) {
    const why = fixed.map(
      (k) => `${k} (${FIXED_BECAUSE[k.split('.')[0] as keyof typeof FIXED_BECAUSE] ?? 'it is fixed at creation'})`,
    );
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `task ${taskId}: ${fixed.join(', ')} cannot change on an existing task: ${why.join('; ')}`,
      {
        subject: fixed.join(', '),
        fix: `only source, throttle, retry, heartbeat and alerts can be updated; for the other changes create a new task under another name (or delete ${taskId} first, which discards its progress)`,
      },
    );
  }
  return changed;
}
