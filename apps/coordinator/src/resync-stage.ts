import { SnapshotChunk, type TableProgress, type TaskState } from '@tidewater/proto';
import { openSource } from '@tidewater/mysql-source';
import { messageIds, requestSinkResync, subjects, type Bus } from '@tidewater/bus';
import { specOf, taskOwner, type TaskStore } from '@tidewater/task-state';
import type { Logger } from '@tidewater/telemetry';

export interface ResyncStepDeps {
  readonly bus: Bus;
  readonly store: TaskStore;
  readonly log: Logger;
}

/**
 * One bounded step of the resyncs running in the incremental stage, in the full stage's order:
 * plan a generation's chunks and store the plan (P1, per generation), publish its work, and
 * once every chunk is committed ask a sink to swap the staging table into `_base` with the
 * watermark (R1), then clear the resync. False when there was nothing to do.
 */
export async function resyncStep(deps: ResyncStepDeps, state: TaskState, signal: AbortSignal): Promise<boolean> {
  const i = state.tables.findIndex((t) => t.resync && (!t.resync.planned || !t.resync.workPublished || resyncDone(t)));
  if (i < 0) return false;
  const t = state.tables[i]!;
  const r = t.resync!;
  const name = `${t.source?.database}.${t.source?.table}`;
  const spec = specOf(state);
  const same = (x: TableProgress) => x.resync?.generation === r.generation;
  if (!r.planned) {
    const source = await openSource(spec.source);
    try {
      const bounds = await source.planChunks(t.schema!, { targetRows: spec.full.chunkRows });
      const chunks = bounds.map((b, j) => ({
        chunkId: messageIds.resyncChunk(taskOwner(state), i, r.generation, j),
        lower: b.lower,
        upper: b.upper,
        estimatedRows: b.estimatedRows,
      }));
      await update(deps, state.taskId, i, same, (x) => ({ ...x, resync: { ...x.resync!, chunks, planned: true } }));
    } finally {
      await source.close();
    }
    deps.log.info('resync planned', { task: state.taskId, table: name, generation: r.generation });
    return true;
  }
  if (!r.workPublished) {
    const publisher = deps.bus.publisher(128);
    const done = new Set(r.doneChunks);
    for (const c of r.chunks) {
      if (done.has(c.chunkId)) continue;
      const work: SnapshotChunk = {
        taskId: state.taskId,
        chunkId: c.chunkId,
        schema: t.schema,
        lower: c.lower,
        upper: c.upper,
        estimatedRows: c.estimatedRows,
        rowsPerBatch: spec.full.batchRows,
      };
      // The chunk id is the dedup id, as in the full stage: a republish adds nothing.
      await publisher.publish(subjects.snapshotWork(state.taskId), SnapshotChunk.encode(work).finish(), {
        msgId: messageIds.workItem(c.chunkId),
      });
    }
    await publisher.flush();
    await update(deps, state.taskId, i, same, (x) => ({ ...x, resync: { ...x.resync!, workPublished: true } }));
    return true;
  }
  await requestSinkResync(
    deps.bus,
    {
      taskId: state.taskId,
      database: t.source!.database,
      table: t.source!.table,
      generation: r.generation,
      watermark: r.watermark,
    },
    signal,
  );
  await update(deps, state.taskId, i, same, (x) => ({
    ...x,
    resync: undefined,
    resyncedGeneration: r.generation,
  }));
  deps.log.info('resync completed', { task: state.taskId, table: name, generation: r.generation, rows: r.rowsDone });
  return true;
}

/** Every chunk of the generation's plan is committed (counted once by id, as in the full stage). */
export function resyncDone(t: TableProgress): boolean {
  const r = t.resync;
  return !!r && r.planned && r.workPublished && r.chunks.every((c) => r.doneChunks.includes(c.chunkId));
}

/**
 * A sink reported a committed chunk: counts it for the resync generation it belongs to. False
 * when the chunk is no resync chunk of a running generation (or was counted before).
 */
export function applyResyncChunk(s: TaskState, chunkId: string, rows: bigint): boolean {
  const t = s.tables.find((x) => x.resync?.chunks.some((c) => c.chunkId === chunkId));
  const r = t?.resync;
  if (!r || r.doneChunks.includes(chunkId)) return false;
  r.doneChunks.push(chunkId);
  r.rowsDone += rows;
  return true;
}

/** Writes table `i` only while it still runs the same generation (a new request may have replaced it). */
async function update(
  deps: ResyncStepDeps,
  taskId: string,
  i: number,
  same: (t: TableProgress) => boolean,
  change: (t: TableProgress) => TableProgress,
): Promise<void> {
  await deps.store.update(taskId, (s) => {
    const t = s.tables[i];
    if (!t || !same(t)) return undefined;
    return { ...s, tables: s.tables.map((x, j) => (j === i ? change(x) : x)) };
  });
}
