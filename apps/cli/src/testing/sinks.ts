import type { SinkPartitionView } from '@tidewater/proto';
import { waitFor } from '@tidewater/testkit';
import type { LocalRun } from '../local-run.js';

/**
 * Helpers for runs with several sink processes (sink scaling): start more identical sinks
 * into a running local run, kill one like a lost machine, and read who owns which partition.
 */

/** Starts `n` more sink processes (`sink-extra-<k>`), identical to the others; returns their instance names. */
export function addSinks(local: LocalRun, n: number, prefix = 'sink-extra'): string[] {
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
  local.supervisor.start(names.map((instance) => ({ name: 'sink' as const, instance })));
  return names;
}

/** Kills a sink process without letting it stop (SIGKILL, never restarted): its leases must expire. */
export function killSink(local: LocalRun, instance: string): void {
  local.supervisor.retire(instance);
}

/** The task's sink partitions as the control plane shows them (owner, epoch, rows/s). */
export async function sinkPartitions(local: LocalRun, taskId: string): Promise<SinkPartitionView[]> {
  return (await local.client.getTask(taskId)).sinkPartitions;
}

/** Waits until every one of `count` partitions has a live owner, and `owners` distinct sinks share them. */
export async function waitForOwners(
  local: LocalRun,
  taskId: string,
  opts: { partitions: number; owners: number; timeoutMs?: number },
): Promise<SinkPartitionView[]> {
  return waitFor(
    async () => {
      const views = await sinkPartitions(local, taskId);
      const owned = views.filter((v) => v.owner !== '');
      return owned.length === opts.partitions && new Set(owned.map((v) => v.owner)).size === opts.owners && views;
    },
    {
      timeoutMs: opts.timeoutMs ?? 60_000,
      what: `${opts.partitions} sink partitions of ${taskId} owned by ${opts.owners} sink(s)`,
    },
  );
}
