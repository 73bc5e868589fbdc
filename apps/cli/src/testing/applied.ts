import { waitFor } from '@tidewater/testkit';
import { currentBinlogPosition } from '@tidewater/binlog';
import type { SourceConnection } from '@tidewater/mysql-source';
import { Stage, type TaskView } from '@tidewater/proto';
import type { ControlClient } from '../control-client.js';

/**
 * Whether a TaskView position (`file:pos[ epoch E][ gtid …]`) is at or past `file`:`pos` of
 * epoch `epoch` (F1: a failover or a recovery starts the next one).
 */
export function positionReached(shown: string, file: string, pos: bigint, epoch: number): boolean {
  if (!shown) return false;
  const at = Number(/ epoch (\d+)/.exec(shown)?.[1] ?? 0);
  // Another epoch's coordinates say nothing about this one's: the caller must name the epoch.
  if (at > epoch) throw new Error(`the task reads epoch ${at} of its source now: wait for that epoch's position`);
  if (at < epoch) return false;
  const [f, p] = shown.split(' ')[0]!.split(':');
  return f! > file || (f === file && BigInt(p!) >= pos);
}

/**
 * Waits until the task has applied every change written to the source so far: its applied
 * position reaches the source's binlog end read now, in the task's epoch `epoch`. A task that fails or pauses meanwhile
 * throws with its reason instead of timing out.
 */
export async function appliedUpToNow(
  client: ControlClient,
  taskId: string,
  source: SourceConnection,
  timeoutMs = 120_000,
  epoch = 0,
): Promise<TaskView> {
  const end = await currentBinlogPosition(source);
  let last: TaskView | undefined;
  try {
    return await waitFor(
      async () => {
        const t = (last = await client.getTask(taskId));
        if (t.stage === Stage.STAGE_FAILED || t.stage === Stage.STAGE_PAUSED)
          throw new Error(`task ${taskId} ${Stage[t.stage]}: ${t.errorMessage}`);
        return t.stage === Stage.STAGE_INCREMENTAL && positionReached(t.position, end.file, end.pos, epoch)
          ? t
          : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `task ${taskId} to apply up to ${end.file}:${end.pos}` },
    );
  } catch (e) {
    // A stall must be diagnosable from the failure alone: what the task showed last.
    if (!last) throw e;
    const parts = last.sinkPartitions.map((p) => `p${p.partition}=${p.owner || '-'}@${p.epoch}/${p.rows}`).join(' ');
    const retrying = last.retrying.map((r) => `${r.reporter} ${r.code}: ${r.message}`).join('; ');
    throw new Error(
      `${(e as Error).message}; last seen: stage ${Stage[last.stage]}, position ${last.position || '-'}, ` +
        `blocked ${last.blockedCause || '-'}, retrying ${retrying || '-'}, partitions ${parts || '-'}`,
    );
  }
}
