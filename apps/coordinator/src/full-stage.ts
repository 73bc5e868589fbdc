import { SnapshotChunk, type TaskState, type TableProgress } from '@tidewater/proto';
import type { TaskSpec } from '@tidewater/config';
import type { SourceClient } from '@tidewater/mysql-source';
import { messageIds, subjects, type Bus } from '@tidewater/bus';
import { taskOwner } from '@tidewater/task-state';

/**
 * Splits every table into key-range chunks. The plan is stored in the task state before
 * any work item is published (a restarted coordinator republishes the same plan).
 */
export async function planChunks(source: SourceClient, spec: TaskSpec, state: TaskState): Promise<TaskState> {
  const tables: TableProgress[] = [];
  for (const [i, t] of state.tables.entries()) {
    if (t.chunks.length > 0) {
      tables.push(t);
      continue;
    }
    const bounds = await source.planChunks(t.schema!, { targetRows: spec.full.chunkRows });
    const chunks = bounds.map((b, j) => ({
      chunkId: messageIds.chunk(taskOwner(state), i, j),
      lower: b.lower,
      upper: b.upper,
      estimatedRows: b.estimatedRows,
    }));
    tables.push({ ...t, chunks, chunksTotal: chunks.length });
  }
  return { ...state, tables };
}

/** Publishes the work items of every table whose plan is not yet published. */
export async function publishWork(bus: Bus, spec: TaskSpec, state: TaskState): Promise<TaskState> {
  const publisher = bus.publisher(128);
  const subject = subjects.snapshotWork(state.taskId);
  for (const t of state.tables) {
    if (t.workPublished) continue;
    const done = new Set(t.doneChunks);
    for (const c of t.chunks) {
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
      // The chunk id is the dedup id: republishing after a coordinator crash adds nothing.
      await publisher.publish(subject, SnapshotChunk.encode(work).finish(), { msgId: messageIds.workItem(c.chunkId) });
    }
  }
  await publisher.flush();
  return { ...state, tables: state.tables.map((t) => ({ ...t, workPublished: true })) };
}

export function fullCopyDone(state: TaskState): boolean {
  return state.tables.every((t) => t.chunksTotal > 0 && t.chunksDone >= t.chunksTotal);
}
