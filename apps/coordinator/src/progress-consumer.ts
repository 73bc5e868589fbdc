import { consumerSpecs, type Bus } from '@tidewater/bus';
import { Progress, Stage, type BinlogPosition, type PartitionApplied, type TaskState } from '@tidewater/proto';
import { ACTIVE_STAGES, specOf, type TaskStore } from '@tidewater/task-state';
import { taskPartitions } from '@tidewater/task-plan';
import { applyFault } from './retry-windows.js';
import { applyResyncChunk } from './resync-stage.js';
import type { Logger } from '@tidewater/telemetry';

/**
 * Folds sink progress reports into the task state. Reports are at-least-once; applying one
 * is idempotent (a chunk is counted once, by id; positions only move forward).
 */
export async function consumeProgress(
  bus: Bus,
  store: TaskStore,
  log: Logger,
  taskId: string,
  signal: AbortSignal,
  onApplied: (s: TaskState) => void,
): Promise<void> {
  const spec = consumerSpecs.coordinator(taskId);
  await bus.ensureConsumer(spec);
  await bus.consume(
    spec,
    { signal, onError: (e) => log.warn('progress apply failed', { task: taskId, err: e }) },
    async (msg) => {
      const p = Progress.decode(msg.data);
      const { state } = await store.update(taskId, (s) => applyProgress(s, p));
      onApplied(state);
      return 'ack';
    },
  );
}

export function applyProgress(s: TaskState, p: Progress, now = Date.now()): TaskState | undefined {
  const unit = p.unit;
  if (unit?.$case === 'fault') return applyFault(s, unit.value, specOf(s).retry, now);
  if (unit?.$case === 'caughtUp') {
    // The source was idle at this position; applied up to it, the destination is current.
    if (!s.appliedPosition || s.appliedPosition.token < unit.value.token || p.sourceTimeMs <= s.lastSourceTimeMs)
      return undefined;
    return {
      ...s,
      lagSeconds: Math.max(0, (now - Number(p.sourceTimeMs)) / 1000),
      lastSourceTimeMs: p.sourceTimeMs,
      appliedAtMs: BigInt(now),
    };
  }
  if (unit?.$case === 'chunkId') {
    if (applyResyncChunk(s, unit.value, p.rows)) return s;
    const t = s.tables.find((x) => x.chunks.some((c) => c.chunkId === unit.value));
    if (!t || t.doneChunks.includes(unit.value)) return undefined;
    t.doneChunks.push(unit.value);
    t.chunksDone = t.doneChunks.length;
    t.rowsDone += p.rows;
    return s;
  }
  if (unit?.$case === 'binlog') return applyPartitionProgress(s, p.partition, unit.value.end, p, now);
  if (unit?.$case === 'appliedDdl') {
    const next = unit.value.newSchema;
    const t = s.tables.find(
      (x) => x.source?.database === unit.value.table?.database && x.source?.table === unit.value.table?.table,
    );
    if (!t || !next || (t.schema && t.schema.version >= next.version)) return undefined;
    t.schema = next;
    return s;
  }
  if (unit?.$case === 'unsupportedDdl') {
    // A late report (the task was paused, stopped, failed or finished meanwhile) must not
    // turn that stage into PAUSED: resuming a stopped or failed task is a user decision.
    if (!ACTIVE_STAGES.has(s.stage)) return undefined;
    const t = unit.value.table;
    s.pausedFrom = s.stage;
    s.stage = Stage.STAGE_PAUSED;
    s.errorCode = 'TW_UNSUPPORTED_DDL';
    const why = unit.value.reason ? `; ${unit.value.reason}` : '';
    s.errorMessage = `DDL on migrated table ${t?.database}.${t?.table} paused the task: ${unit.value.statement.slice(0, 500)}${why}`;
    return s;
  }
  return undefined;
}

/**
 * A sink partition committed a change batch ending at `end`. Partitions commit
 * independently, so the task's applied position is the lowest end all of the task's
 * partitions reached (transform sends every change batch to each of them, with no rows where
 * it has none): only then is everything before it durable (P2). The destination is current as of the oldest
 * partition's source time, and as late as the latest partition.
 */
function applyPartitionProgress(
  s: TaskState,
  partition: number,
  end: BinlogPosition | undefined,
  p: Progress,
  now: number,
): TaskState | undefined {
  if (!end) return undefined;
  const prev = s.partitions.find((x) => x.partition === partition);
  if (prev?.position && prev.position.token >= end.token) return undefined;
  s.partitions = [
    ...s.partitions.filter((x) => x.partition !== partition),
    {
      partition,
      position: end,
      sourceTimeMs: p.sourceTimeMs,
      committedAtMs: p.committedAtMs,
      ...partitionRows(prev, p.rows, now),
    },
  ];
  s.changesApplied += p.rows;
  const needed = taskPartitions(specOf(s));
  const reported = s.partitions.filter((x) => needed.includes(x.partition));
  if (reported.length < needed.length) return s;
  const lowest = reported.reduce((a, b) => (b.position!.token < a.position!.token ? b : a));
  if (!s.appliedPosition || lowest.position!.token > s.appliedPosition.token) {
    s.appliedPosition = lowest.position;
    s.appliedAtMs = BigInt(now);
  }
  const timed = reported.filter((x) => x.sourceTimeMs > 0n);
  if (timed.length === needed.length) {
    const oldest = timed.reduce((a, b) => (b.sourceTimeMs < a.sourceTimeMs ? b : a)).sourceTimeMs;
    if (oldest > s.lastSourceTimeMs) s.lastSourceTimeMs = oldest;
    s.lagSeconds = Math.max(0, ...timed.map((x) => Number(x.committedAtMs - x.sourceTimeMs) / 1000));
  }
  return s;
}

/** A partition's row counter and the base of its rate (SinkPartitionView.rows_per_second), moved on every ~10 s. */
function partitionRows(
  prev: PartitionApplied | undefined,
  rows: bigint,
  now: number,
): Pick<PartitionApplied, 'rows' | 'rateBaseRows' | 'rateSinceMs'> {
  const total = (prev?.rows ?? 0n) + rows;
  if (!prev || prev.rateSinceMs === 0n)
    return { rows: total, rateBaseRows: prev?.rows ?? 0n, rateSinceMs: BigInt(now) };
  if (now - Number(prev.rateSinceMs) < 10_000)
    return { rows: total, rateBaseRows: prev.rateBaseRows, rateSinceMs: prev.rateSinceMs };
  // The new base is the previous report: the window never starts empty.
  return {
    rows: total,
    rateBaseRows: prev.rows,
    rateSinceMs: prev.committedAtMs > 0n ? prev.committedAtMs : BigInt(now),
  };
}
