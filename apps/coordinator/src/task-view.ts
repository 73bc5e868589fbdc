import type { TaskState, TaskView } from '@tidewater/proto';
import { redactSpec } from '@tidewater/config';
import { specOf } from '@tidewater/task-state';
import { lagOf } from './lag.js';

/** The API's view of a task as of `now`: never the password, never the chunk plan. */
export function taskView(s: TaskState, now = Date.now()): TaskView {
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
    position: pos ? `${pos.file}:${pos.pos}${pos.gtid ? ` gtid ${pos.gtid}` : ''}` : '',
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
  };
}
