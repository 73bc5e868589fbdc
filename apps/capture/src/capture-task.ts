import { context, trace } from '@opentelemetry/api';
import { Batch, CaptureCheckpoint, Progress, type BinlogPosition, type TableRef, type TableSchema } from '@tidewater/proto';
import { BatchPublisher, KV_BUCKETS, openKv, subjects } from '@tidewater/bus';
import { createBinlogReader, type BinlogReader } from '@tidewater/binlog';
import { Throttle, type ServiceContext, type TaskWorker } from '@tidewater/runtime';
import type { TaskSpec } from '@tidewater/config';
import { FaultReporter, specOf, type StoredTask } from '@tidewater/task-state';
import { TidewaterError, isRetriable, isTidewaterError } from '@tidewater/errors';
import { openSource } from '@tidewater/mysql-source';
import { TransactionBatcher } from './transaction-batcher.js';
import { appendedColumnNames, schemaAfterAddColumn } from './add-column.js';
import { ddlTarget } from './ddl-filter.js';
import { HeartbeatWriter } from './heartbeat.js';

/** A batch with no rows (only a moved position) is sent at most this often. */
const IDLE_FLUSH_MS = 1_000;

/** Replication client id: stable per task, distinct from the source's own server id. */
function serverIdFor(taskId: string): number {
  let h = 0;
  for (const ch of taskId) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return 100_000 + (h % 1_000_000);
}

/**
 * Streams a task's binlog into change batches. The resume position is saved in KV only
 * after the batch that reaches it is stored by JetStream (invariant C1), so a restart never
 * skips a transaction; what it re-sends, the sink drops by record id.
 */
export async function startCaptureTask(ctx: ServiceContext, task: StoredTask, signal: AbortSignal): Promise<TaskWorker> {
  const taskId = task.state.taskId;
  const spec = specOf(task.state);
  ctx.log.addSecret(spec.source.password);
  const positions = await openKv(ctx.bus.js, KV_BUCKETS.positions);
  // Schemas valid at the resume position: the task's until an ADD COLUMN, then the
  // checkpoint's (an ADD COLUMN saves them together with its position).
  let schemas: TableSchema[] = task.state.tables.map((t) => t.schema!).filter(Boolean);
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(), { once: true });
  let reader: BinlogReader | undefined;
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void> | void): Promise<void> => (chain = chain.then(fn));
  const faults = new FaultReporter(ctx.bus, taskId, 'capture', [spec.source.password]);
  // Waiting here holds the serial chain, which pauses the binlog socket: the source is read no faster.
  const throttle = new Throttle(incrementalRates(spec));
  let specJson = task.state.specJson;
  const heartbeat = spec.heartbeat.enabled ? await HeartbeatWriter.start(spec.source, spec.heartbeat, taskId, ctx.log) : undefined;
  const hbKey = heartbeat && `${heartbeat.schema.source!.database}.${heartbeat.schema.source!.table}`;

  const run = async () => {
    while (!controller.signal.aborted) {
      // A fresh chain per reader: a rejected one would fail every later handler at once
      // with the old error (e.g. a publish refused while the bus restarted), for ever.
      chain = Promise.resolve();
      const saved = await positions.get(taskId);
      const checkpoint = saved && saved.value.length ? CaptureCheckpoint.decode(saved.value) : undefined;
      if (checkpoint?.schemas.length) schemas = checkpoint.schemas;
      const from = checkpoint?.position ?? task.state.startPosition;
      if (!from) throw new TidewaterError('TW_INTERNAL', `task ${taskId} has no binlog start position`);
      const batcher = new TransactionBatcher(taskId, schemas);
      const publisher = new BatchPublisher(ctx.bus.js, 16, () => ctx.bus.nc.info?.max_payload);
      const failed = new Promise<Error>((resolve) => {
        reader = createBinlogReader(spec.source, { serverId: serverIdFor(taskId) });
        const flush = async (force: boolean) => {
          if (!batcher.hasPending) return;
          if (!force && batcher.rowCount === 0 && !batcher.hasHeartbeat && batcher.age() < IDLE_FLUSH_MS) return;
          const batch = batcher.take()!;
          const origin = batch.origin?.$case === 'binlog' ? batch.origin.value : undefined;
          const data = Batch.encode(batch).finish();
          await throttle.admit({ rows: batch.tables.reduce((n, t) => n + t.rowCount, 0), bytes: data.length }, controller.signal);
          // The batch's trace starts here and follows it through transform and sink (NATS headers).
          const span = ctx.tracer.startSpan('capture.batch', { attributes: { 'tidewater.task': taskId, 'tidewater.rows': batch.tables.reduce((n, t) => n + t.rowCount, 0), 'tidewater.position': origin?.end?.token ?? '' } });
          try {
            await context.with(trace.setSpan(context.active(), span), () => publisher.publish(subjects.sourceBinlog(taskId), data, { msgId: `b:${origin?.end?.token}:${origin?.lastRecordId}` }));
          } finally {
            span.end();
          }
          await publisher.flush();
          await onBus('saving the capture checkpoint', positions.put(taskId, CaptureCheckpoint.encode({ position: origin!.end!, schemas }).finish()));
          faults.recovered();
        };
        /**
         * ADD COLUMN at the end of a migrated table: carried to the sink, then decoded with.
         * The new schema is the one valid at this binlog position (see schemaAfterAddColumn),
         * never simply the live one: later statements may already have run on the source.
         * Not applied: the task pauses, with `reason` when the statement alone does not say why.
         */
        const applyAddColumn = async (target: TableRef, statement: string, pos: BinlogPosition): Promise<{ applied: true } | { applied: false; reason: string }> => {
          const names = appendedColumnNames(statement);
          if (!names) return { applied: false, reason: '' };
          const prev = schemas.find((s) => s.source!.database === target.database && s.source!.table === target.table)!;
          const source = await openSource(spec.source, { poolSize: 1 });
          let live: TableSchema | undefined;
          try {
            [live] = await source.readSchemas([{ database: target.database, tables: [target.table] }]);
          } finally {
            await source.close();
          }
          const derived = live && schemaAfterAddColumn(prev, names, live);
          if (!derived) {
            const now = live ? live.columns.map((c) => c.name).join(', ') : 'no such table';
            return {
              applied: false,
              reason: `its columns are no longer where this binlog position puts them on the source (after ${prev.columns.map((c) => c.name).join(', ')}; the table now has ${now}): a later statement changed ${target.database}.${target.table} other than by appending columns`,
            };
          }
          const { next, added } = derived;
          if (!added.length) {
            batcher.advance(pos);
            return { applied: true };
          }
          await flush(true);
          const change: Batch = {
            taskId,
            origin: { $case: 'binlog', value: { start: pos, end: pos, lastRecordId: -1n } },
            tables: [],
            schemaChanges: [{ table: target, statement, addedColumns: added, newSchema: next, reason: '' }],
            createdAtMs: BigInt(Date.now()),
            sourceTimeMs: 0n,
          };
          schemas = schemas.map((s) => (s === prev ? next : s));
          batcher.setSchema(next);
          reader!.updateSchema(next);
          await publisher.publish(subjects.sourceBinlog(taskId), Batch.encode(change).finish(), { msgId: `ddl:${pos.token}` });
          await publisher.flush();
          await onBus('saving the capture checkpoint', positions.put(taskId, CaptureCheckpoint.encode({ position: pos, schemas }).finish()));
          ctx.log.info('ADD COLUMN applied', { task: taskId, table: `${target.database}.${target.table}`, columns: added.map((c) => c.name) });
          return { applied: true };
        };
        const timer = setInterval(() => {
          if (batcher.age() >= spec.incremental.flushMs) void serial(() => flush(false)).catch((e: unknown) => resolve(e as Error));
        }, Math.max(5, Math.floor(spec.incremental.flushMs / 2)));
        controller.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
        reader
          .start(from, heartbeat ? [...schemas, heartbeat.schema] : schemas, {
            onRows: (ev) =>
              serial(() => {
                if (hbKey && `${ev.table.database}.${ev.table.table}` === hbKey) {
                  // Heartbeat rows measure lag; they are not migrated.
                  for (const r of ev.rows) {
                    const ms = heartbeat!.beatOf(r.after);
                    if (ms !== undefined) batcher.heartbeat(ms);
                  }
                  return;
                }
                batcher.stage(ev);
              }),
            onCommit: (pos) =>
              serial(async () => {
                batcher.commit(pos);
                // Whole transactions only; a batch is sent at batchRows rows or ~768 KiB.
                if (batcher.rowCount >= spec.incremental.batchRows || batcher.byteSize >= 768 * 1024) await flush(true);
              }),
            onIdle: (pos) => serial(() => batcher.advance(pos)),
            // The source is idle at `pos`: move the checkpoint there (events capture does not
            // keep, such as a new file's header, may lie before it) and tell the coordinator,
            // which reads lag 0 once the destination has applied it.
            onHeartbeat: (pos) =>
              serial(async () => {
                if (!batcher.position || pos.token > batcher.position.token) batcher.advance(pos);
                await onBus('reporting progress', ctx.bus.js.publish(
                  subjects.progress(taskId),
                  Progress.encode(Progress.fromPartial({ taskId, unit: { $case: 'caughtUp', value: pos }, committedAtMs: BigInt(Date.now()), sourceTimeMs: BigInt(Date.now()) })).finish(),
                ));
              }),
            onDdl: (database, statement, pos, timestamp) =>
              serial(async () => {
                const target = ddlTarget(database, statement, schemas.map((s) => s.source!));
                if (!target) {
                  batcher.advance(pos);
                  return;
                }
                const outcome = await applyAddColumn(target, statement, pos);
                if (outcome.applied) return;
                await flush(true);
                ctx.log.warn('DDL on a migrated table: pausing task', { task: taskId, table: `${target.database}.${target.table}`, statement, reason: outcome.reason });
                await onBus('reporting progress', ctx.bus.js.publish(
                  subjects.progress(taskId),
                  Progress.encode(Progress.fromPartial({
                    taskId,
                    table: target,
                    unit: { $case: 'unsupportedDdl', value: { table: target, statement, addedColumns: [], newSchema: undefined, reason: outcome.reason } },
                    committedAtMs: BigInt(Date.now()),
                    sourceTimeMs: BigInt(timestamp) * 1000n,
                  })).finish(),
                  // Per worker start (the task revision it began from): a resumed task meets the
                  // statement again, and that report must not be dropped as a repeat of the
                  // first, or the task would stay "incremental" with capture stopped.
                  { msgID: `ddl:${pos.token}:${task.revision}` },
                ));
                controller.abort();
              }),
            onError: (e) => resolve(e),
          })
          .catch((e: unknown) => resolve(e as Error));
        controller.signal.addEventListener('abort', () => resolve(new Error('stopped')), { once: true });
      });
      const e = await failed;
      await reader?.stop().catch(() => undefined);
      await chain.catch(() => undefined);
      if (controller.signal.aborted) return;
      ctx.log.warn('binlog stream interrupted; resuming from the last saved position', { task: taskId, err: e, retriable: isRetriable(e) });
      faults.failed(e);
      await new Promise((r) => setTimeout(r, isRetriable(e) ? 1_000 : 10_000));
    }
  };
  const running = run().catch((e: unknown) => ctx.log.error('capture stopped', { task: taskId, err: e }));
  ctx.log.info('capture task started', { task: taskId });
  return {
    update(t) {
      if (t.state.specJson === specJson) return;
      specJson = t.state.specJson;
      throttle.setRates(incrementalRates(specOf(t.state)));
    },
    async stop() {
      controller.abort();
      await running;
      await heartbeat?.stop();
    },
  };
}

/** A bus operation's failure as TW_BUS_UNAVAILABLE: retried within retry.connectionMinutes, like a lost source. */
async function onBus<T>(doing: string, op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (e) {
    if (isTidewaterError(e)) throw e;
    throw new TidewaterError('TW_BUS_UNAVAILABLE', `${doing} failed: ${(e as Error).message}`, { fix: 'check that NATS runs with JetStream; capture resumes from its last checkpoint' }, { cause: e });
  }
}

function incrementalRates(spec: TaskSpec) {
  return { rows: spec.throttle.incremental.rps, bytes: spec.throttle.incremental.mbps * 1_000_000 };
}
