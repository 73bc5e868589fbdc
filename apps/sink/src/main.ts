import { runService, taskWorkers } from '@tidewater/runtime';
import { ACTIVE_STAGES, PartitionLeases, SinkMembers, TaskStore, newSinkId } from '@tidewater/task-state';
import { schemaResponder } from './schema-responder.js';
import { queryResponder } from './query-responder.js';
import { startSinkTask } from './sink-task.js';

await runService('sink', async (ctx) => {
  const store = await TaskStore.open(ctx.bus);
  const sinkId = newSinkId();
  const members = await SinkMembers.open(ctx.bus, sinkId);
  const sink = { sinkId, members, leases: await PartitionLeases.open(ctx.bus, sinkId) };
  let presence: Awaited<ReturnType<SinkMembers['present']>> | undefined;
  return [
    // First started, last stopped: the task workers release their partitions before this sink leaves.
    {
      name: 'sink-presence',
      async start() {
        presence = await members.present((e) =>
          ctx.log.warn('sink heartbeat failed; will retry', { sink: sinkId, err: e }),
        );
        ctx.log.info('sink instance present', { sink: sinkId });
      },
      stop: async () => presence?.stop(),
    },
    queryResponder(ctx.bus, ctx.log),
    schemaResponder(ctx.bus, store, ctx.log, ctx.config.duckdbMemory),
    taskWorkers(
      'sink-tasks',
      store,
      ctx.log,
      (t) => ACTIVE_STAGES.has(t.state.stage),
      (t, signal) => startSinkTask(ctx, sink, t, signal),
      { bus: ctx.bus, service: `sink-${sinkId}` },
    ),
  ];
});
