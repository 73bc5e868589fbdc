import { waitFor } from '@tidewater/testkit';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage, type TaskView } from '@tidewater/proto';
import type { ControlClient } from '../control-client.js';

/** The sink holds the DuckDB file (one writer per file) while a task runs: open it once released. */
export function openReleased(
  path: string,
  opts: { intervalMs?: number; what?: string } = {},
): Promise<WarehouseSession> {
  return waitFor(() => WarehouseSession.open(path), {
    timeoutMs: 30_000,
    intervalMs: opts.intervalMs ?? 250,
    what: opts.what ?? 'the sink to release the warehouse',
  });
}

/** Stops the task, then opens its warehouse once the sink has let go. */
export async function stopAndOpen(
  client: ControlClient,
  taskId: string,
  path: string,
  opts?: { intervalMs?: number; what?: string },
): Promise<WarehouseSession> {
  await client.stopTask(taskId);
  return openReleased(path, opts);
}

/** The task once `test` holds for it (the test fails with `opts.what` if it never does). */
export function untilTask(
  client: ControlClient,
  taskId: string,
  test: (t: TaskView) => boolean,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<TaskView> {
  return waitFor(async () => {
    const t = await client.getTask(taskId);
    return test(t) ? t : undefined;
  }, opts);
}

/** The task once it paused (the test fails with `what` if it does not). */
export function untilPaused(client: ControlClient, taskId: string, what: string): Promise<TaskView> {
  return untilTask(client, taskId, (t) => t.stage === Stage.STAGE_PAUSED, { timeoutMs: 60_000, what });
}

/** The task once it reached `stage`; a task that fails or pauses first throws with its reason. */
export function untilStage(client: ControlClient, taskId: string, stage: Stage): Promise<TaskView> {
  return waitFor(
    async () => {
      const t = await client.getTask(taskId);
      if (t.stage === Stage.STAGE_FAILED || t.stage === Stage.STAGE_PAUSED)
        throw new Error(`task ${taskId} ${Stage[t.stage]}: ${t.errorMessage}`);
      return t.stage === stage ? t : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, what: `task ${taskId} to reach ${Stage[stage]}` },
  );
}
