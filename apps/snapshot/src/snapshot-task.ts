import { consumerSpecs } from '@tidewater/bus';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { taskWorker, Throttle, type ServiceContext, type TaskWorker } from '@tidewater/runtime';
import type { TaskSpec } from '@tidewater/config';
import { specOf, type StoredTask } from '@tidewater/task-state';
import { filterSql } from '@tidewater/task-plan';
import { copyChunk } from './chunk-copier.js';
import { copyWithSchemaGuard } from './schema-guard.js';
import { directSinkPartition } from './sink-route.js';

/**
 * Works off a task's snapshot queue with `parallelChunks` chunks in flight. A work item is
 * acknowledged after all its batches are stored by JetStream; if this process dies first,
 * JetStream redelivers it (to any snapshot instance) after the ack wait.
 */
export async function startSnapshotTask(
  ctx: ServiceContext,
  task: StoredTask,
  signal: AbortSignal,
): Promise<TaskWorker> {
  const spec = specOf(task.state);
  const taskId = task.state.taskId;
  ctx.log.addSecret(spec.source.password);
  const work = consumerSpecs.snapshot(taskId);
  await ctx.bus.ensureConsumer(work);
  const source: SourceClient = await openSource(spec.source, { poolSize: spec.full.parallelChunks + 1 });
  // One pace for all loops of the task in this process (limits are per snapshot instance).
  const throttle = new Throttle(fullRates(spec));
  let specJson = task.state.specJson;
  // The newest task state: which tables go straight to the sink follows the spec.
  let state = task.state;
  return taskWorker(ctx, { name: 'snapshot', task, signal, secrets: [spec.source.password] }, (w) => {
    for (let i = 0; i < spec.full.parallelChunks; i++) {
      const publisher = ctx.bus.publisher(32);
      const loop = ctx.bus.work(
        work,
        { signal: w.signal, ...w.retries('chunk copy failed; will retry', `worker-${i}`, { worker: i }) },
        async (item) => {
          // A table whose columns changed since the plan fails the task (schema-guard.ts).
          await copyWithSchemaGuard(
            source,
            item,
            () =>
              copyChunk(
                ctx.tracer,
                source,
                item,
                publisher,
                throttle,
                (schema) => filterSql(spec, schema),
                (schema, chunkId) => directSinkPartition(state, schema, chunkId),
                w.signal,
              ),
            { signal: w.signal, admitQuery: () => throttle.admit({ queries: 1 }, w.signal) },
          );
          return 'ack';
        },
      );
      w.keep(loop, 'snapshot loop stopped');
    }
    return {
      started: { parallelChunks: spec.full.parallelChunks },
      update(t) {
        state = t.state;
        // A changed throttle (SetThrottle) applies to the next batch.
        if (t.state.specJson === specJson) return;
        specJson = t.state.specJson;
        throttle.setRates(fullRates(specOf(t.state)));
      },
      close: () => source.close(),
    };
  });
}

function fullRates(spec: TaskSpec) {
  const f = spec.throttle.full;
  return { rows: f.rps, bytes: f.mbps * 1_000_000, queries: f.qps };
}
