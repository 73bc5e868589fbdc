import { TaskState, Stage } from '@tidewater/proto';
import { isRevisionConflict, KV_BUCKETS, openKv, type KV, type Bus } from '@tidewater/bus';
import { TidewaterError } from '@tidewater/errors';
import { openSpec, secretKeyFromEnv, type TaskSpec } from '@tidewater/config';

export interface StoredTask {
  readonly state: TaskState;
  /** KV revision: the compare-and-set token for the next write. */
  readonly revision: number;
}

/** Stages in which services work on a task. */
export const ACTIVE_STAGES: ReadonlySet<Stage> = new Set([
  Stage.STAGE_SCHEMA,
  Stage.STAGE_FULL,
  Stage.STAGE_INCREMENTAL,
]);

/**
 * Task state in JetStream KV. The coordinator is the only writer and writes with
 * compare-and-set on the revision it read, so two coordinators never interleave writes to
 * one task (the loser re-reads). Services only read and watch.
 */
export class TaskStore {
  private constructor(private readonly kv: KV) {}

  static async open(bus: Bus): Promise<TaskStore> {
    return new TaskStore(await openKv(bus.js, KV_BUCKETS.tasks));
  }

  async get(taskId: string): Promise<StoredTask | undefined> {
    const e = await this.kv.get(taskId).catch((err: unknown) => {
      throw busError(taskId, 'reading', err);
    });
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    return { state: TaskState.decode(e.value), revision: e.revision };
  }

  async require(taskId: string): Promise<StoredTask> {
    const t = await this.get(taskId);
    if (!t) throw new TidewaterError('TW_TASK_NOT_FOUND', `task ${taskId} does not exist`, { subject: taskId });
    return t;
  }

  async list(): Promise<StoredTask[]> {
    const out: StoredTask[] = [];
    // A task updated while the listing runs can be listed twice (it walks the bucket's stream).
    const keys = new Set<string>();
    for await (const key of await this.kv.keys()) keys.add(key);
    for (const key of keys) {
      const t = await this.get(key);
      if (t) out.push(t);
    }
    return out.sort((a, b) => Number(a.state.createdAtMs - b.state.createdAtMs));
  }

  /** Creates a task; fails if the id is taken. */
  async create(state: TaskState): Promise<StoredTask> {
    try {
      const revision = await this.kv.create(state.taskId, TaskState.encode(state).finish());
      return { state, revision };
    } catch (e) {
      throw new TidewaterError(
        'TW_TASK_STATE',
        `task ${state.taskId} already exists`,
        { subject: state.taskId },
        { cause: e },
      );
    }
  }

  /**
   * Applies `change` to the latest state with compare-and-set, retrying on a concurrent
   * write. `change` may be called more than once and must be a pure function of its input.
   * Any other failure (the bus is away) is thrown at once as TW_BUS_UNAVAILABLE: callers
   * retry whole operations, not one write for minutes.
   */
  async update(taskId: string, change: (s: TaskState) => TaskState | undefined): Promise<StoredTask> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.require(taskId);
      const next = change(TaskState.fromPartial(cur.state));
      if (!next) return cur;
      next.updatedAtMs = BigInt(Date.now());
      try {
        const revision = await this.kv.update(taskId, TaskState.encode(next).finish(), cur.revision);
        return { state: next, revision };
      } catch (e) {
        if (!isRevisionConflict(e)) throw busError(taskId, 'writing', e);
        if (attempt > 50)
          throw new TidewaterError(
            'TW_BUS_UNAVAILABLE',
            `task ${taskId}: state update kept conflicting`,
            { subject: taskId },
            { cause: e },
          );
        // Writers of one task collide in bursts (progress reports, RPCs): spread the retries.
        if (attempt >= 3) await new Promise((r) => setTimeout(r, Math.min(50, attempt * 5) * Math.random()));
      }
    }
  }

  async delete(taskId: string): Promise<void> {
    await this.kv.delete(taskId);
  }

  /**
   * Calls `onChange` with every task (or only `taskId`) now and on every later change,
   * until `signal` aborts.
   */
  async watch(
    signal: AbortSignal,
    onChange: (t: StoredTask | { deleted: string }) => void,
    taskId?: string,
  ): Promise<void> {
    const iter = await this.kv.watch({
      include: 'lastValue' as never,
      ...(taskId === undefined ? {} : { key: taskId }),
    });
    // The signal may have aborted while the watch was being set up: no event would stop it then.
    if (signal.aborted) {
      iter.stop();
      return;
    }
    signal.addEventListener('abort', () => iter.stop(), { once: true });
    (async () => {
      for await (const e of iter) {
        if (e.operation !== 'PUT' || e.value.length === 0) onChange({ deleted: e.key });
        else onChange({ state: TaskState.decode(e.value), revision: e.revision });
      }
    })().catch(() => undefined);
  }
}

/**
 * The task's spec with its secrets decrypted (they are encrypted at rest in KV). `key` is
 * asked only for a sealed spec and its result is not kept: the secret key lives with its
 * caller, never in this module.
 */
export function specOf(state: TaskState, key: () => Buffer = secretKeyFromEnv): TaskSpec {
  const stored = JSON.parse(state.specJson) as TaskSpec;
  // Any sealed value (passwords, alert webhooks) needs the key; a spec without one does not.
  if (!state.specJson.includes('"enc:v1:')) return stored;
  return openSpec(stored, key());
}

/**
 * Who owns a task's destination tables and chunk ids: the task id plus its creation time.
 * A task deleted and created again under the same name is a new owner, so the destination
 * bookkeeping of the old one (committed chunks, `_log` checkpoints, table ownership) can
 * never make the new one skip work: its tables are foreign to it (precheck item
 * `destination.conflict`) and its chunk ids differ.
 */
export function taskOwner(state: Pick<TaskState, 'taskId' | 'createdAtMs'>): string {
  return `${state.taskId}@${state.createdAtMs.toString(36)}`;
}

function busError(taskId: string, doing: string, e: unknown): TidewaterError {
  return new TidewaterError(
    'TW_BUS_UNAVAILABLE',
    `task ${taskId}: ${doing} the task state failed: ${e instanceof Error ? e.message : String(e)}`,
    { subject: taskId },
    { cause: e },
  );
}
