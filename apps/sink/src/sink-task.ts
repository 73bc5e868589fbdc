import { taskWorker, type ServiceContext, type TaskWorker, type WorkerContext } from '@tidewater/runtime';
import {
  PartitionOwner,
  specOf,
  taskOwner,
  type PartitionLeases,
  type RunningPartition,
  type SinkMembers,
  type StoredTask,
} from '@tidewater/task-state';
import { destTables, sinkPartitionsOf, type DestTable, type Destination } from '@tidewater/task-plan';
import { metrics } from '@tidewater/telemetry';
import type { TaskSpec } from '@tidewater/config';
import { acquireDestination } from './open-destination.js';
import { tableOptions } from './table-options.js';
import { runPartition } from './partition-consumer.js';

/** This sink instance: its id, presence and partition leases (one of each per process). */
export interface SinkInstance {
  readonly sinkId: string;
  readonly members: SinkMembers;
  readonly leases: PartitionLeases;
}

interface OpenDestination {
  readonly dest: Destination;
  readonly committed: Set<string>;
  release(): Promise<void>;
}

/**
 * Runs the partitions of one task this instance owns (PartitionOwner: leases in KV, fair
 * share by rendezvous hashing) until the task leaves the active stages. The destination is
 * opened on the first partition taken, so a standby sink never opens (or locks) it.
 */
export async function startSinkTask(
  ctx: ServiceContext,
  sink: SinkInstance,
  task: StoredTask,
  signal: AbortSignal,
): Promise<TaskWorker> {
  const spec = specOf(task.state);
  const owner = taskOwner(task.state);
  const taskId = task.state.taskId;
  let tables = indexTables(destTables(task.state, spec));
  const altered = new Map<string, DestTable>();
  let opened: Promise<OpenDestination> | undefined;
  const destination = (): Promise<OpenDestination> => {
    opened ??= openDestination(spec, ctx.config.duckdbMemory, owner);
    // A failed open is tried again by the next partition taken.
    opened.catch(() => (opened = undefined));
    return opened;
  };
  return taskWorker(ctx, { name: 'sink', task, signal }, (w) => {
    const ownership = new PartitionOwner({
      taskId,
      partitions: () => partitionCount(spec),
      leases: sink.leases,
      members: sink.members,
      start: (partition, epoch) =>
        runOwned(w, partition, async (stopNow, stop) => {
          const { dest, committed } = await destination();
          // Started again after a failed start (destination unreachable): that fault is over.
          w.faults(`partition-${partition}`).recovered();
          await runPartition(
            {
              bus: ctx.bus,
              worker: w,
              taskId,
              owner,
              partition,
              writer: { taskId: owner, partition, epoch, sinkId: sink.sinkId },
              dest,
              opts: tableOptions(spec),
              spec,
              committed,
              tables: () => tables,
              altered,
              lost: (e) => {
                ctx.log.info('sink partition taken over by another sink; stopping it here', {
                  task: taskId,
                  partition,
                  epoch,
                  err: e,
                });
                stopNow();
              },
            },
            stop,
          );
        }),
      onChange: (owned) => {
        metrics.sinkPartitionsOwned.set({ task: taskId, sink: sink.sinkId }, owned.size);
        ctx.log.info('sink partitions owned', { task: taskId, sink: sink.sinkId, partitions: [...owned.keys()] });
      },
      onError: (message, e, partition) => ctx.log.warn(message, { task: taskId, partition, err: e }),
    });
    ownership.start();
    // Stopping the task: every partition stops (its in-flight write settles), then its lease is released.
    w.keep(
      new Promise<void>((resolve) => w.signal.addEventListener('abort', () => resolve(), { once: true })).then(() =>
        ownership.stop(),
      ),
      'sink partitions stop failed',
    );
    return {
      // A PostgreSQL URL is kept without its password (parse-destination.ts).
      started: {
        sink: sink.sinkId,
        partitions: partitionCount(spec),
        destination: spec.destination.url ?? spec.destination.path,
      },
      update(t) {
        tables = indexTables(destTables(t.state, specOf(t.state)));
      },
      // The destination is released only after every partition stopped writing to it.
      async close() {
        metrics.sinkPartitionsOwned.remove({ task: taskId, sink: sink.sinkId });
        const o = opened;
        opened = undefined;
        if (o) await (await o.catch(() => undefined))?.release();
      },
    };
  });
}

/** The task's sink partitions (fixed when the task was created). */
function partitionCount(spec: TaskSpec): number {
  return sinkPartitionsOf(spec);
}

async function openDestination(spec: TaskSpec, memoryLimit: string, owner: string): Promise<OpenDestination> {
  const { dest, release } = await acquireDestination(spec, memoryLimit);
  try {
    return { dest, committed: await dest.committedChunks(owner), release };
  } catch (e) {
    await release();
    throw e;
  }
}

/**
 * One owned partition's consumer, stoppable by its owner. It ends by itself when the
 * destination fenced it off (`lost`: another sink owns the partition now) or failed to start.
 */
function runOwned(
  w: WorkerContext,
  partition: number,
  consume: (lost: () => void, stop: AbortSignal) => Promise<void>,
): RunningPartition {
  const stop = new AbortController();
  const done = consume(() => stop.abort(), stop.signal);
  return {
    stop: async () => {
      stop.abort();
      await done.catch(() => undefined);
    },
    ended: done.catch((e: unknown) => w.faults(`partition-${partition}`).failed(e)),
  };
}

function indexTables(list: DestTable[]): Map<string, DestTable> {
  return new Map(list.map((t) => [`${t.source.database}.${t.source.table}`, t]));
}
