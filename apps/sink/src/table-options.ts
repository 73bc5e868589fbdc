import type { TaskSpec } from '@tidewater/config';
import type { TableOptions } from '@tidewater/task-plan';

export function tableOptions(spec: TaskSpec): TableOptions {
  return {
    temporalMapping: spec.temporalMapping,
    conflictMode: spec.conflictMode,
    incremental: spec.migrationTypes.includes('incremental'),
    additionalColumnRule: spec.incremental.additionalColumnRule,
    partition: spec.incremental.partition,
  };
}
