import { consumerSpecs, HEADERS, messageIds, subjects } from '@tidewater/bus';
import { Batch, type TaskState } from '@tidewater/proto';
import { taskWorker, type ServiceContext, type TaskWorker } from '@tidewater/runtime';
import { specOf, type StoredTask } from '@tidewater/task-state';
import { tablePlan, type TablePlan } from './row-plan.js';
import { PlanCache } from './plan-cache.js';
import { passThroughPartition, routeBatch, type TableRoute } from './route-batch.js';

function routesOf(state: TaskState, plans: PlanCache<TablePlan>): Map<string, TableRoute> {
  const spec = specOf(state);
  const keyOf = (t: TaskState['tables'][number]) => `${t.source?.database}.${t.source?.table}`;
  // Compiled once per spec and schema version, not per progress report.
  const planKey = (t: TaskState['tables'][number]) => `${state.specJson}|${keyOf(t)}|${t.schema?.version}`;
  const compiled = plans.replace(
    new Map(state.tables.filter((t) => t.schema).map((t) => [planKey(t), () => tablePlan(spec, t, t.schema!)])),
  );
  return new Map(
    state.tables.map((t) => {
      const plan = t.schema ? compiled.get(planKey(t)) : undefined;
      return [keyOf(t), { destSchema: t.destSchema, destTable: t.destTable, plan }];
    }),
  );
}

/**
 * Moves a task's source batches to its sink partitions. A source message is acknowledged
 * after every sink batch made from it is stored; a redelivered one republishes with the
 * same message ids, which JetStream drops as duplicates.
 */
export async function startTransformTask(
  ctx: ServiceContext,
  task: StoredTask,
  signal: AbortSignal,
): Promise<TaskWorker> {
  const taskId = task.state.taskId;
  const plans = new PlanCache<TablePlan>();
  let routes = routesOf(task.state, plans);
  const source = consumerSpecs.transform(taskId);
  await ctx.bus.ensureConsumer(source);
  const publisher = ctx.bus.publisher(64);
  return taskWorker(ctx, { name: 'transform', task, signal }, (w) => {
    const loop = ctx.bus.consume(
      source,
      { signal: w.signal, ...w.retries('transform failed; will retry') },
      async (msg) => {
        await w.traced('transform.batch', msg.headers, {}, async () => {
          // Snapshot batches hold one table and need no row changes yet: forward the bytes.
          const sourceTable = msg.headers?.get(HEADERS.sourceTable) || undefined;
          const batchId = msg.headers?.get(HEADERS.batchId) || undefined;
          const direct = batchId ? passThroughPartition(sourceTable, routes) : undefined;
          if (direct !== undefined) {
            await publisher.publish(subjects.sink(taskId, direct), msg.data, {
              msgId: messageIds.forwardedSnapshotBatch(batchId!),
              headers: { [HEADERS.sourceTable]: sourceTable!, [HEADERS.batchId]: batchId! },
            });
            await publisher.flush();
            return;
          }
          const batch = Batch.decode(msg.data);
          for (const [p, out] of routeBatch(batch, routes)) {
            await publisher.publish(subjects.sink(taskId, p), Batch.encode(out).finish(), {
              msgId: messageIds.sinkBatch(batch, p),
            });
          }
          // Order matters for change batches: wait until stored before taking the next one.
          await publisher.flush();
        });
        return 'ack';
      },
    );
    w.keep(loop, 'transform loop stopped');
    return {
      update(t) {
        try {
          routes = routesOf(t.state, plans);
        } catch (e) {
          // The coordinator validated the spec in the schema stage; keep the last good routes.
          ctx.log.error("cannot compile the task's row transforms", { task: taskId, err: e });
          w.faults().failed(e);
        }
      },
    };
  });
}
