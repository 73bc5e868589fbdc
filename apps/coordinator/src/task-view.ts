import type { TaskState, TaskView } from '@tidewater/proto';
import { redactSpec } from '@tidewater/config';
import { specOf } from '@tidewater/task-state';

/** The API's view of a task: never the password, never the chunk plan. */
export function taskView(s: TaskState): TaskView {
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
    lagSeconds: s.lagSeconds,
    position: pos ? `${pos.file}:${pos.pos}${pos.gtid ? ` gtid ${pos.gtid}` : ''}` : '',
    redactedSpecJson: spec ? JSON.stringify(redactSpec(spec)) : '',
    throttle: th && { fullQps: th.full.qps, fullRps: th.full.rps, fullMbps: th.full.mbps, incrementalRps: th.incremental.rps, incrementalMbps: th.incremental.mbps },
    precheck: s.precheck,
    retrying: s.retrying,
    currentAsOfMs: s.lastSourceTimeMs,
    changesApplied: s.changesApplied,
  };
}
