import { describe, expect, it } from 'vitest';
import { startNats } from '@tidewater/testkit';
import { connectBus } from '@tidewater/bus';
import { Stage, TaskState } from '@tidewater/proto';
import { TaskStore } from './index.js';

describe('TaskStore on a real NATS', () => {
  it('applies every one of many concurrent updates (compare-and-set retried), and fails at once when the bus is gone', async () => {
    await using nats = await startNats();
    const [a, b] = [await connectBus(nats.url, 'a'), await connectBus(nats.url, 'b')];
    try {
      const [sa, sb] = [await TaskStore.open(a), await TaskStore.open(b)];
      await sa.create(TaskState.fromPartial({ taskId: 't', name: 't', stage: Stage.STAGE_INCREMENTAL }));
      // Two processes add to one counter 40 times at once: every increment lands exactly once.
      const bump = (s: TaskStore) => s.update('t', (x) => ({ ...x, changesApplied: x.changesApplied + 1n }));
      await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? sa : sb)));
      expect((await sa.require('t')).state.changesApplied).toBe(40n);

      await b.close();
      // A lost connection is not a conflict: reported as the bus being away, not retried here.
      await expect(bump(sb)).rejects.toMatchObject({
        code: 'TW_BUS_UNAVAILABLE',
        message: expect.stringContaining('task t: reading the task state failed'),
      });
    } finally {
      await a.close();
    }
  });
});
