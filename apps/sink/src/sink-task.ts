import { taskWorker, type ServiceContext, type TaskWorker } from '@tidewater/runtime';
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
export async function startSinkTask(
  ctx: ServiceContext,
  assignment: SinkAssignment,
  task: StoredTask,
  signal: AbortSignal,
): Promise<TaskWorker> {
  const spec = specOf(task.state);
  const { dest, release } = await acquireDestination(spec, ctx.config.duckdbMemory);
  const owner = taskOwner(task.state);
  const committed = await dest.committedChunks(owner);
  let tables = indexTables(destTables(task.state, spec));
  const altered = new Map<string, DestTable>();
  return taskWorker(ctx, { name: 'sink', task, signal }, (w) => {
    let partitions = 0;
    for (let p = 0; p < SINK_PARTITIONS; p++) {
      if (p % assignment.count !== assignment.index) continue;
      const partition = {
        bus: ctx.bus,
        worker: w,
        taskId: task.state.taskId,
        owner,
        partition: p,
        // Until partitions are leased, the fixed assignment is the only writer of p.
        writer: { taskId: owner, partition: p, epoch: 0, sinkId: `sink-${assignment.index}` },
        dest,
        opts: tableOptions(spec),
        spec,
        committed,
        tables: () => tables,
        altered,
      };
      w.keep(runPartition(partition, w.signal), 'sink partition stopped', { partition: p });
      partitions++;
    }
    return {
      started: { partitions, destination: spec.destination.path },
      update(t) {
        tables = indexTables(destTables(t.state, specOf(t.state)));
      },
      // The destination is released only after every partition stopped writing to it.
      close: release,
    };
  });
}

function indexTables(list: DestTable[]): Map<string, DestTable> {
  return new Map(list.map((t) => [`${t.source.database}.${t.source.table}`, t]));
}
