import { STREAMS } from './topology.js';
import type { Bus } from './connection.js';

/** What one durable consumer of a task has not finished: messages not yet delivered, and delivered but not acknowledged. */
export interface ConsumerBacklog {
  readonly task: string;
  /** `snapshot`, `transform`, `coordinator`, or `sink-<partition>` (the lease epoch left out: it changes on hand-over). */
  readonly consumer: string;
  readonly pending: number;
  readonly ackPending: number;
}

/** The durable names of topology.ts `durables`, read back into (task, consumer). */
const DURABLE = /^(snapshot|transform|coordinator)_(.+)$|^sink_(.+)_(\d+)_e\d+$/;

/**
 * The backlog of every durable consumer of the given tasks, across the streams: where a task's
 * messages wait (the coordinator exports it as gauges; an operator sees which stage is behind).
 */
export async function consumerBacklogs(bus: Bus, tasks: ReadonlySet<string>): Promise<ConsumerBacklog[]> {
  const out: ConsumerBacklog[] = [];
  for (const stream of Object.values(STREAMS)) {
    for await (const c of bus.jsm.consumers.list(stream)) {
      const m = DURABLE.exec(c.name);
      if (!m) continue;
      const task = m[2] ?? m[3]!;
      if (!tasks.has(task)) continue;
      out.push({
        task,
        consumer: m[1] ?? `sink-${m[4]}`,
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
      });
    }
  }
  return out;
}
