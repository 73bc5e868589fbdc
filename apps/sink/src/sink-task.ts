import type { ServiceContext, TaskWorker } from '@tidewater/runtime';
import { specOf, taskOwner, type StoredTask } from '@tidewater/task-state';
import { destTables, SINK_PARTITIONS, type DestTable } from '@tidewater/task-plan';
import { acquireDestination } from './open-destination.js';
import { tableOptions } from './table-options.js';
import { runPartition } from './partition-consumer.js';

export interface SinkAssignment {
  /** This instance's index and the number of sink instances: it takes partitions p ≡ index (mod count). */
  readonly index: number;
  readonly count: number;
}

/** Runs this instance's partitions of one task until the task leaves the active stages. */
export async function startSinkTask(ctx: ServiceContext, assignment: SinkAssignment, task: StoredTask, signal: AbortSignal): Promise<TaskWorker> {
  const spec = specOf(task.state);
  const { dest, release } = await acquireDestination(spec, ctx.config.duckdbMemory);
  const owner = taskOwner(task.state);
  const committed = await dest.committedChunks(owner);
  let tables = indexTables(destTables(task.state, spec));
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(), { once: true });
  const loops: Promise<void>[] = [];
  const altered = new Map<string, DestTable>();
  for (let p = 0; p < SINK_PARTITIONS; p++) {
    if (p % assignment.count !== assignment.index) continue;
    loops.push(
      runPartition(
        { bus: ctx.bus, log: ctx.log, tracer: ctx.tracer, taskId: task.state.taskId, owner, partition: p, dest, opts: tableOptions(spec), spec, committed, tables: () => tables, altered },
        controller.signal,
      ).catch((e: unknown) => ctx.log.error('sink partition stopped', { task: task.state.taskId, partition: p, err: e })),
    );
  }
  ctx.log.info('sink task started', { task: task.state.taskId, partitions: loops.length, destination: spec.destination.path });
  return {
    update(t) {
      tables = indexTables(destTables(t.state, specOf(t.state)));
    },
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
      await release();
    },
  };
}

function indexTables(list: DestTable[]): Map<string, DestTable> {
  return new Map(list.map((t) => [`${t.source.database}.${t.source.table}`, t]));
}
