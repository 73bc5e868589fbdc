import type { BinlogPosition, TableSchema } from '@tidewater/proto';
import { CheckpointStore, createBinlogReader, planResume, type ResumePlan } from '@tidewater/binlog';
import { taskWorker, Throttle, type ServiceContext, type TaskWorker, type WorkerContext } from '@tidewater/runtime';
import type { TaskSpec } from '@tidewater/config';
import { specOf, type StoredTask } from '@tidewater/task-state';
import { TidewaterError, isRetriable } from '@tidewater/errors';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { TransactionBatcher } from './transaction-batcher.js';
import { BatchSender } from './batch-sender.js';
import { SchemaEvolution } from './schema-evolution.js';
import { HeartbeatWriter } from './heartbeat.js';
import { reconnectLoop } from './reconnect.js';
import { reportCaughtUp, reportUnsupportedDdl } from './bus-reports.js';

/** Replication client id: stable per task, distinct from the source's own server id. */
function serverIdFor(taskId: string): number {
  let h = 0;
  for (const ch of taskId) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return 100_000 + (h % 1_000_000);
}

/**
 * Streams a task's binlog into change batches: reader → batcher → sender. The resume position
 * is saved only after the batch that reaches it is stored by JetStream (invariant C1, see
 * BatchSender), so a restart never skips a transaction; what it re-sends, the sink drops by record id.
 */
export async function startCaptureTask(
  ctx: ServiceContext,
  task: StoredTask,
  signal: AbortSignal,
): Promise<TaskWorker> {
  const taskId = task.state.taskId;
  const spec = specOf(task.state);
  ctx.log.addSecret(spec.source.password);
  const checkpoints = await CheckpointStore.open(ctx.bus);
  // Schemas valid at the resume position: the task's until an ADD COLUMN, then the checkpoint's.
  const evolution = new SchemaEvolution(task.state.tables.map((t) => t.schema!).filter(Boolean), taskId, ctx.log);
  // Waiting here holds the serial chain, which pauses the binlog socket: the source is read no faster.
  const throttle = new Throttle(incrementalRates(spec));
  let specJson = task.state.specJson;
  const heartbeat = spec.heartbeat.enabled
    ? await HeartbeatWriter.start(spec.source, spec.heartbeat, taskId, ctx.log)
    : undefined;

  /** One binlog reader from `from`, until it fails or the task stops: the error that ended it. */
  const stream = async (w: WorkerContext, plan: ResumePlan, source: SourceClient): Promise<Error> => {
    // A fresh chain per reader: a rejected one would fail every later handler at once
    // with the old error (e.g. a publish refused while the bus restarted), for ever.
    let chain: Promise<void> = Promise.resolve();
    const serial = (fn: () => Promise<void> | void): Promise<void> => (chain = chain.then(fn));
    const batcher = new TransactionBatcher(taskId, evolution.schemas);
    const sender = new BatchSender(
      ctx,
      taskId,
      batcher,
      checkpoints,
      throttle,
      w.faults(),
      w.signal,
      () => evolution.schemas,
    );
    const reader = createBinlogReader(spec.source, { serverId: serverIdFor(taskId) });
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<Error>((resolve) => {
      timer = setInterval(
        () => {
          if (batcher.age() >= spec.incremental.flushMs)
            void serial(() => sender.flush(false)).catch((e: unknown) => resolve(e as Error));
        },
        Math.max(5, Math.floor(spec.incremental.flushMs / 2)),
      );
      const tables: TableSchema[] = heartbeat ? [...evolution.schemas, heartbeat.schema] : evolution.schemas;
      reader
        .start(plan, tables, {
          onRows: (ev) =>
            serial(() => {
              const beats = heartbeat?.beatsIn(ev);
              if (!beats) return batcher.stage(ev);
              for (const ms of beats) batcher.heartbeat(ms);
            }),
          onCommit: (pos) =>
            serial(async () => {
              batcher.commit(pos);
              if (batcher.isFull(spec.incremental.batchRows)) await sender.flush(true);
            }),
          onIdle: (pos) => serial(() => batcher.advance(pos)),
          // The source is idle at `pos`: move the checkpoint there (events capture does not
          // keep, such as a new file's header, may lie before it) and tell the coordinator,
          // which reads lag 0 once the destination has applied it.
          onHeartbeat: (pos) =>
            serial(async () => {
              if (!batcher.position || pos.token > batcher.position.token) batcher.advance(pos);
              await reportCaughtUp(ctx.bus, taskId, pos);
            }),
          onDdl: (database, statement, pos, timestamp) =>
            serial(async () => {
              const outcome = await evolution.onDdl(database, statement, pos, { source, batcher, reader, sender });
              if (outcome.followed) return;
              await reportUnsupportedDdl(ctx.bus, taskId, task.revision, {
                target: outcome.target,
                statement,
                reason: outcome.reason,
                pos,
                timestamp,
              });
              w.abort();
            }),
          onError: (e) => resolve(e),
        })
        .catch((e: unknown) => resolve(e as Error));
      w.signal.addEventListener('abort', () => resolve(new Error('stopped')), { once: true });
    });
    const e = await failed;
    clearInterval(timer);
    await reader.stop().catch(() => undefined);
    await chain.catch(() => undefined);
    return e;
  };

  /** One reader from the last checkpoint, with the source session schema evolution reads through. */
  const attempt = async (w: WorkerContext): Promise<Error> => {
    const checkpoint = await checkpoints.read(taskId);
    if (checkpoint) evolution.resumeAt(checkpoint.schemas);
    const from = checkpoint?.position ?? task.state.startPosition;
    if (!from) throw new TidewaterError('TW_INTERNAL', `task ${taskId} has no binlog start position`);
    let source: SourceClient;
    try {
      source = await openSource(spec.source, { poolSize: 1 });
    } catch (e) {
      return e as Error;
    }
    try {
      const plan = await resumePlan(from, source);
      return await stream(w, plan, source);
    } catch (e) {
      return e as Error;
    } finally {
      await source.close().catch(() => undefined);
    }
  };

  /** Where `from` continues on the server reached now (F1): as saved, or by GTID after a failover. */
  const resumePlan = async (from: BinlogPosition, source: SourceClient): Promise<ResumePlan> => {
    const where = `${spec.source.host}:${spec.source.port}`;
    const state = await source.binlogState(from);
    if (!state)
      throw new TidewaterError('TW_BINLOG_CONFIG', `binary logging is off on ${where}`, {
        subject: where,
        fix: 'start the server with log_bin=ON, binlog_format=ROW, binlog_row_image=FULL',
      });
    const plan = planResume(taskId, from, state, where);
    if (plan.kind === 'gtid')
      ctx.log.warn('the source is another server now: resuming by GTID under a new epoch', {
        task: taskId,
        was: from.server,
        now: plan.server,
        gtid: plan.gtid,
        epoch: plan.epoch,
      });
    return plan;
  };

  return taskWorker(ctx, { name: 'capture', task, signal, secrets: [spec.source.password] }, (w) => {
    const running = reconnectLoop(
      w.signal,
      () => attempt(w),
      (e) => {
        ctx.log.warn('binlog stream interrupted; resuming from the last saved position', {
          task: taskId,
          err: e,
          retriable: isRetriable(e),
        });
        w.faults().failed(e);
      },
    );
    w.keep(running, 'capture stopped');
    return {
      update(t) {
        if (t.state.specJson === specJson) return;
        specJson = t.state.specJson;
        throttle.setRates(incrementalRates(specOf(t.state)));
      },
      close: async () => {
        await heartbeat?.stop();
      },
    };
  });
}

function incrementalRates(spec: TaskSpec) {
  return { rows: spec.throttle.incremental.rps, bytes: spec.throttle.incremental.mbps * 1_000_000 };
}
