import { exclusiveWorkers, runService, taskWorkers } from '@tidewater/runtime';
import { ACTIVE_STAGES, TaskStore } from '@tidewater/task-state';
import { startTransformTask } from './transform-task.js';

await runService('transform', async (ctx) => {
  const store = await TaskStore.open(ctx.bus);
  // One ordered consumer per task (a table's batches must not overtake each other): further
  // transform instances stand by.
  const start = await exclusiveWorkers(ctx.bus, 'transform', ctx.config.instanceId, (t, signal) =>
    startTransformTask(ctx, t, signal),
  );
  return [
    taskWorkers('transform-tasks', store, ctx.log, (t) => ACTIVE_STAGES.has(t.state.stage), start, {
      bus: ctx.bus,
      service: 'transform',
    }),
  ];
});
