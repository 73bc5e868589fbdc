import type { SinkPartitionView, TaskState, TaskView } from '@tidewater/proto';
import { redactSpec } from '@tidewater/config';
import { specOf, type PartitionLease } from '@tidewater/task-state';
import { lagOf } from './lag.js';
import { firingAlerts } from './alerts/evaluate.js';

/**
 * The API's view of a task as of `now`: never the password, never the chunk plan. `leases`:
 * the task's sink partition leases (KV `tw_sink_partitions`), for who writes each partition.
 */
export function taskView(
  s: TaskState,
  now = Date.now(),
  leases: ReadonlyMap<number, PartitionLease> = new Map(),
): TaskView {
  const pos = s.appliedPosition ?? s.startPosition;
  const spec = s.specJson ? specOf(s) : undefined;
  const th = spec?.throttle;
  return {
    taskId: s.taskId,
    name: s.name,
    stage: s.stage,
    errorCode: s.errorCode,
    errorMessage: s.errorMessage,
    tables: s.tables.map((t) => ({ ...t, chunks: [], doneChunks: [], schema: undefined })),
    ...lagOf(s, now),
    position: pos
      ? `${pos.file}:${pos.pos}${pos.epoch ? ` epoch ${pos.epoch}` : ''}${pos.gtid ? ` gtid ${pos.gtid}` : ''}`
      : '',
    redactedSpecJson: spec ? JSON.stringify(redactSpec(spec)) : '',
    throttle: th && {
      fullQps: th.full.qps,
      fullRps: th.full.rps,
      fullMbps: th.full.mbps,
      incrementalRps: th.incremental.rps,
      incrementalMbps: th.incremental.mbps,
    },
    precheck: s.precheck,
    retrying: s.retrying,
    currentAsOfMs: s.lastSourceTimeMs,
    changesApplied: s.changesApplied,
    sinkPartitions: sinkPartitionViews(s, leases, now),
    alerts: firingAlerts(s.alerts),
  };
}

/** Every partition that has a lease or has reported progress, ascending; an expired lease shows no owner. */
export function sinkPartitionViews(
  s: Pick<TaskState, 'partitions'>,
  leases: ReadonlyMap<number, PartitionLease>,
  now: number,
): SinkPartitionView[] {
  const numbers = new Set([...leases.keys(), ...s.partitions.map((p) => p.partition)]);
  return [...numbers]
    .sort((a, b) => a - b)
    .map((partition) => {
      const lease = leases.get(partition);
      const live = lease && lease.expiresAtMs > now ? lease : undefined;
      const applied = s.partitions.find((p) => p.partition === partition);
      const secs = applied ? (now - Number(applied.rateSinceMs)) / 1000 : 0;
      return {
        partition,
        owner: live?.owner ?? '',
        epoch: BigInt(live?.epoch ?? 0),
        leaseExpiresAtMs: BigInt(live?.expiresAtMs ?? 0),
        rows: applied?.rows ?? 0n,
        rowsPerSecond:
          applied && applied.rateSinceMs > 0n && secs > 0.5 ? Number(applied.rows - applied.rateBaseRows) / secs : 0,
      };
    });
}
