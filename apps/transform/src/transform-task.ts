import { consumerSpecs, HEADERS, messageIds, subjects } from '@tidewater/bus';
import { Batch, type TaskState } from '@tidewater/proto';
import { taskWorker, type ServiceContext, type TaskWorker } from '@tidewater/runtime';
import { specOf, type StoredTask } from '@tidewater/task-state';
import { tableNaming } from '@tidewater/config';
import { sinkPartitionsOf } from '@tidewater/task-plan';
import { tablePlan, type TablePlan } from './row-plan.js';
import { PlanCache } from './plan-cache.js';
import { passThroughPartition, routeBatch, type Routing } from './route-batch.js';

interface Compiled {
  readonly plan: TablePlan;
  /** The row key in destination naming: what the plan's rows carry and are routed by. */
  readonly keyColumns: readonly string[];
}

function routingOf(state: TaskState, plans: PlanCache<Compiled>): Routing {
  const spec = specOf(state);
  const keyOf = (t: TaskState['tables'][number]) => `${t.source?.database}.${t.source?.table}`;
  // Compiled once per spec and schema version, not per progress report.
  const planKey = (t: TaskState['tables'][number]) => `${state.specJson}|${keyOf(t)}|${t.schema?.version}`;
  const compiled = plans.replace(
    new Map(
      state.tables
        .filter((t) => t.schema)
        .map((t) => [
          planKey(t),
          () => {
            const naming = tableNaming(spec, t.source!.database, t.source!.table);
            return { plan: tablePlan(spec, t, t.schema!), keyColumns: t.schema!.keyColumns.map(naming.column) };
          },
        ]),
    ),
  );
  const routes = new Map(
    state.tables.map((t) => {
      const c = t.schema ? compiled.get(planKey(t)) : undefined;
      return [
        keyOf(t),
        { destSchema: t.destSchema, destTable: t.destTable, plan: c?.plan, keyColumns: c?.keyColumns ?? [] },
      ];
    }),
  );
  return { routes, partitions: sinkPartitionsOf(spec) };
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
  const plans = new PlanCache<Compiled>();
  let routing = routingOf(task.state, plans);
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
          const chunkId = msg.headers?.get(HEADERS.chunkId) || undefined;
          const batchId = msg.headers?.get(HEADERS.batchId) || undefined;
          const direct = batchId ? passThroughPartition(sourceTable, chunkId, routing) : undefined;
          if (direct !== undefined) {
            await publisher.publish(subjects.sink(taskId, direct), msg.data, {
              msgId: messageIds.forwardedSnapshotBatch(batchId!),
              headers: {
                [HEADERS.sourceTable]: sourceTable!,
                [HEADERS.chunkId]: chunkId!,
                [HEADERS.batchId]: batchId!,
              },
            });
            await publisher.flush();
            return;
          }
          const batch = Batch.decode(msg.data);
          for (const [p, out] of routeBatch(batch, routing)) {
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
          routing = routingOf(t.state, plans);
        } catch (e) {
          // The coordinator validated the spec in the schema stage; keep the last good routes.
          ctx.log.error("cannot compile the task's row transforms", { task: taskId, err: e });
          w.faults().failed(e);
        }
      },
    };
  });
}
