import { Progress } from '@tidewater/proto';
import type { Bus } from './connection.js';
import { BatchPublisher } from './publisher.js';
import { subjects } from './topology.js';

/**
 * Publishes a progress report to its task's events subject through the BatchPublisher path
 * (trace headers, failures classified by code: TW_BUS_UNAVAILABLE or
 * TW_BUS_MESSAGE_TOO_LARGE) and resolves once JetStream stored it.
 *
 * `id` (messageIds) makes a repeat of the same report a duplicate (D1). Reports without one
 * (faults, caught-up) are states, not events: each must arrive, a repeat is harmless.
 */
export async function publishProgress(bus: Bus, progress: Progress, id?: string): Promise<void> {
  // A report is a few hundred bytes, far below any server's max_payload: never fragmented.
  const publisher = new BatchPublisher(bus.js, 1);
  await publisher.publish(subjects.progress(progress.taskId), Progress.encode(progress).finish(), { msgId: id });
  await publisher.flush();
}
