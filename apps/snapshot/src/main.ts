import { runService, taskWorkers } from '@tidewater/runtime';
import { TaskStore } from '@tidewater/task-state';
import { Stage } from '@tidewater/proto';
import { startSnapshotTask } from './snapshot-task.js';

await runService('snapshot', async (ctx) => {
  const store = await TaskStore.open(ctx.bus);
  return [
    taskWorkers(
      'snapshot-tasks',
      store,
      ctx.log,
      // A resync (R1) copies tables again while the change stream runs.
      (t) =>
        t.state.stage === Stage.STAGE_FULL ||
        (t.state.stage === Stage.STAGE_INCREMENTAL && t.state.tables.some((x) => x.resync)),
      (t, signal) => startSnapshotTask(ctx, t, signal),
      { bus: ctx.bus, service: 'snapshot' },
    ),
  ];
});
