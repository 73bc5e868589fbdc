import { Stage, type TaskView } from '@tidewater/proto';
import type { LocalRun } from '../local-run.js';
import { untilStage } from './task-waits.js';

/** Creates a task from `spec`, prechecks and starts it, and returns it once it reached the incremental stage. */
export async function startToIncremental(local: LocalRun, spec: string): Promise<TaskView> {
  const task = await local.client.createTask(spec);
  await local.client.precheckAndStart(task.taskId);
  return untilStage(local.client, task.taskId, Stage.STAGE_INCREMENTAL);
}

/**
 * Runs `during` with the capture service held still (SIGSTOP), resuming it (SIGCONT) however
 * `during` ends: capture then meets what the source logged meanwhile against the source's
 * state after all of it.
 */
export async function withCaptureHeld(local: LocalRun, during: () => Promise<void>): Promise<void> {
  const capture = local.supervisor.pid('capture')!;
  process.kill(capture, 'SIGSTOP');
  try {
    await during();
  } finally {
    process.kill(capture, 'SIGCONT');
  }
}
