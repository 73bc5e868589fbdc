import type { ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import type { TaskState, TaskView } from '@tidewater/proto';
import type { TaskStore } from '@tidewater/task-state';

/** How often a watched task's view is re-sent without a state change, so its lag keeps aging. */
const WATCH_REFRESH_MS = 2_000;

/** `WatchTask`: the task's view on every change, and again as it ages, until the call ends or the task is deleted. */
export function watchTask(
  store: TaskStore,
  view: (state: TaskState) => Promise<TaskView>,
  toServiceError: (e: unknown) => ServiceError,
) {
  return (call: ServerWritableStream<{ taskId: string }, { task?: TaskView }>): void => {
    const controller = new AbortController();
    // A blocked task writes no state, yet its lag grows (L1): the view is re-sent as it ages.
    let latest: TaskState | undefined;
    // Views go out in the order of the states they show (each reads the leases first).
    let writes = Promise.resolve();
    const send = (state: TaskState) => {
      writes = writes.then(async () => void call.write({ task: await view(state) })).catch(() => undefined);
    };
    const aging = setInterval(() => latest && send(latest), WATCH_REFRESH_MS);
    controller.signal.addEventListener('abort', () => clearInterval(aging));
    call.on('cancelled', () => controller.abort());
    call.on('close', () => controller.abort());
    store
      .require(call.request.taskId)
      .then(() =>
        store.watch(
          controller.signal,
          (ev) => {
            if ('deleted' in ev) {
              if (ev.deleted === call.request.taskId) {
                controller.abort();
                void writes.then(() => call.end());
              }
              return;
            }
            if (ev.state.taskId !== call.request.taskId) return;
            latest = ev.state;
            send(ev.state);
          },
          call.request.taskId,
        ),
      )
      // grpc-js sends an emitted error as the call's status (with its trailers) and ends the
      // call; destroy() would send none and leave the client waiting forever.
      .catch((e: unknown) => call.emit('error', toServiceError(e)));
  };
}
