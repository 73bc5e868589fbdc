import {
  Stage,
  type ResyncTableRequest,
  type ResyncTableResponse,
  type TaskState,
  type TaskView,
} from '@tidewater/proto';
import { CheckpointStore, currentBinlogPosition, makePosition, recordIdAt } from '@tidewater/binlog';
import { specOf, type TaskStore } from '@tidewater/task-state';
import { TidewaterError } from '@tidewater/errors';
import type { Bus } from '@tidewater/bus';
import type { Logger } from '@tidewater/telemetry';
import { stageName } from './stage-machine.js';

export interface ResyncDeps {
  readonly store: TaskStore;
  readonly bus: Bus;
  readonly log: Logger;
}

/**
 * ResyncTable: records a new resync generation for one table (or every table) with the
 * source's binlog position now as its watermark; the driver plans and publishes its chunks
 * (resync-stage.ts). From FAILED with a lost position (LOST_POSITION), `table` empty, it also
 * moves capture's checkpoint to that position and returns the task to the incremental stage:
 * every table is copied again after it, so the changes lost with the purged binlog, the reset
 * or the failover no longer matter (R1).
 */
export async function resyncTable(
  deps: ResyncDeps,
  req: ResyncTableRequest,
  view: (s: TaskState) => Promise<TaskView>,
): Promise<ResyncTableResponse> {
  const { state: before } = await deps.store.require(req.taskId);
  checkAllowed(before, req);
  const spec = specOf(before);
  // Taken before any chunk of the generation is planned or read: every change after it has a
  // record id at or above the watermark and reaches `_log` (the full stage's argument, docs/merge.md).
  const now = await currentBinlogPosition(spec.source);
  const checkpoints = await CheckpointStore.open(deps.bus);
  const current = (await checkpoints.read(req.taskId))?.position ?? before.startPosition;
  const recover = before.stage === Stage.STAGE_FAILED;
  // In the task's current epoch; a recovery starts the next one: after a reset or failover the
  // new position's file may number below the old ones, its record ids must not (F1).
  const epoch = (current?.epoch ?? 0) + (recover ? 1 : 0);
  const position = makePosition(now.file, now.pos, { gtid: now.gtid, server: now.server, epoch });
  const watermark = recordIdAt(position);
  if (recover) {
    // Capture is not running on a failed task; it resumes from here when the task is incremental again.
    await checkpoints.save(req.taskId, position, before.tables.map((t) => t.schema!).filter(Boolean));
  }
  const at = BigInt(Date.now());
  const { state } = await deps.store.update(req.taskId, (s) => {
    checkAllowed(s, req);
    const tables = s.tables.map((t) => {
      if (!selected(req.table, `${t.source?.database}.${t.source?.table}`)) return t;
      const generation = Math.max(t.resyncedGeneration ?? 0, t.resync?.generation ?? 0) + 1;
      return {
        ...t,
        resync: {
          generation,
          position,
          watermark,
          chunks: [],
          planned: false,
          workPublished: false,
          doneChunks: [],
          rowsDone: 0n,
          startedAtMs: at,
        },
      };
    });
    if (!recover) return { ...s, tables };
    return {
      ...s,
      tables,
      stage: Stage.STAGE_INCREMENTAL,
      errorCode: '',
      errorMessage: '',
      retrying: [],
      appliedAtMs: at,
    };
  });
  deps.log.info('resync requested', {
    task: req.taskId,
    table: req.table || '(all)',
    position: position.token,
    recovered: recover,
  });
  return { task: await view(state) };
}

/** Failures after which capture cannot continue from its checkpoint: only a copy of every table recovers. */
const LOST_POSITION = new Set(['TW_BINLOG_PURGED', 'TW_BINLOG_RESET', 'TW_SOURCE_CHANGED']);

const selected = (wanted: string, name: string) => wanted === '' || wanted === name;

function checkAllowed(s: TaskState, req: ResyncTableRequest): void {
  const id = req.taskId;
  if (s.stage === Stage.STAGE_FAILED && LOST_POSITION.has(s.errorCode)) {
    if (req.table === '') return;
    throw new TidewaterError(
      'TW_TASK_STATE',
      `task ${id} lost its binlog position (${s.errorCode}): every table must be copied again (--all), not only ${req.table}`,
      { subject: id, fix: `tidewater task resync ${id} --all` },
    );
  }
  if (s.stage !== Stage.STAGE_INCREMENTAL)
    throw new TidewaterError(
      'TW_TASK_STATE',
      `cannot resync task ${id} in stage ${stageName(s.stage)}: a resync runs beside the change stream`,
      {
        subject: id,
        fix: `resync a task in the incremental stage (resume a paused one first), or one failed with ${[...LOST_POSITION].join(', ')} with --all`,
      },
    );
  const names = s.tables.map((t) => `${t.source?.database}.${t.source?.table}`);
  if (req.table !== '' && !names.includes(req.table))
    throw new TidewaterError('TW_SPEC_INVALID', `task ${id} does not migrate table ${req.table}`, {
      subject: req.table,
      fix: `name a source table as database.table, one of: ${names.slice(0, 20).join(', ')}`,
    });
  const busy = s.tables.find((t) => t.resync && selected(req.table, `${t.source?.database}.${t.source?.table}`));
  if (busy)
    throw new TidewaterError(
      'TW_TASK_STATE',
      `table ${busy.source?.database}.${busy.source?.table} of task ${id} is being resynced already (generation ${busy.resync!.generation})`,
      { subject: id, fix: `wait until it completes (tidewater task status ${id})` },
    );
}
