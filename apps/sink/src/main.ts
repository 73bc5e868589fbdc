import { runService, taskWorkers } from '@tidewater/runtime';
import { ACTIVE_STAGES, TaskStore } from '@tidewater/task-state';
import { schemaResponder } from './schema-responder.js';
import { queryResponder } from './query-responder.js';
import { startSinkTask } from './sink-task.js';

await runService('sink', async (ctx) => {
  const assignment = ctx.config.sinkAssignment;
  const store = await TaskStore.open(ctx.bus);
  return [
    queryResponder(ctx.bus, ctx.log),
    schemaResponder(ctx.bus, store, ctx.log, ctx.config.duckdbMemory),
    taskWorkers(
      'sink-tasks',
      store,
      ctx.log,
      (t) => ACTIVE_STAGES.has(t.state.stage),
      (t, signal) => startSinkTask(ctx, assignment, t, signal),
      { bus: ctx.bus, service: `sink-${assignment.index}` },
    ),
  ];
});
