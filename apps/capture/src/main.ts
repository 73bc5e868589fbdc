import { exclusiveWorkers, runService, taskWorkers } from '@tidewater/runtime';
import { TaskStore, specOf } from '@tidewater/task-state';
import { Stage } from '@tidewater/proto';
import { startCaptureTask } from './capture-task.js';

await runService('capture', async (ctx) => {
  const store = await TaskStore.open(ctx.bus);
  // One binlog reader per task: further capture instances stand by.
  const start = await exclusiveWorkers(ctx.bus, 'capture', ctx.config.instanceId, (t, signal) =>
    startCaptureTask(ctx, t, signal),
  );
  return [
    taskWorkers(
      'capture-tasks',
      store,
      ctx.log,
      // Capture runs during the full copy too: changes made while it copies land in _log.
      (t) =>
        (t.state.stage === Stage.STAGE_FULL || t.state.stage === Stage.STAGE_INCREMENTAL) &&
        specOf(t.state).migrationTypes.includes('incremental'),
      start,
      { bus: ctx.bus, service: 'capture' },
    ),
  ];
});
