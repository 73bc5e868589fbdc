import { Stage } from '@tidewater/proto';
import type { TaskSpec } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';

/** The stage after `current` completes, for a task of this spec. */
export function nextStage(current: Stage, spec: TaskSpec): Stage {
  const types = spec.migrationTypes;
  switch (current) {
    case Stage.STAGE_CREATED:
    case Stage.STAGE_PRECHECKED:
      return Stage.STAGE_SCHEMA;
    case Stage.STAGE_SCHEMA:
      return types.includes('full')
        ? Stage.STAGE_FULL
        : types.includes('incremental')
          ? Stage.STAGE_INCREMENTAL
          : Stage.STAGE_COMPLETED;
    case Stage.STAGE_FULL:
      return types.includes('incremental') ? Stage.STAGE_INCREMENTAL : Stage.STAGE_COMPLETED;
    default:
      throw new TidewaterError('TW_TASK_STATE', `stage ${Stage[current]} has no successor`);
  }
}

export const TERMINAL: ReadonlySet<Stage> = new Set([Stage.STAGE_COMPLETED, Stage.STAGE_FAILED, Stage.STAGE_STOPPED]);

export function stageName(s: Stage): string {
  return Stage[s].replace('STAGE_', '').toLowerCase();
}
