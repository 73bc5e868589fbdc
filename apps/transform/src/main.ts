import { runService, taskWorkers } from '@tidewater/runtime';
import { ACTIVE_STAGES, TaskStore } from '@tidewater/task-state';
import { startTransformTask } from './transform-task.js';

await runService('transform', async (ctx) => {
  const store = await TaskStore.open(ctx.bus);
  return [taskWorkers('transform-tasks', store, ctx.log, (t) => ACTIVE_STAGES.has(t.state.stage), (t, signal) => startTransformTask(ctx, t, signal))];
});
