import { describe, expect, it } from 'vitest';
import type { JsMsg } from '@nats-io/jetstream';
import { startNats } from '@tidewater/testkit';
import { connectBus, consumerSpecs, ensureTopology, STREAMS, subjects, type Bus } from './index.js';

// A sink partition changing owner (docs/architecture.md, "Who consumes a partition").
async function fetchAll(bus: Bus, durable: string, n: number): Promise<JsMsg[]> {
  const c = await bus.js.consumers.get(STREAMS.sink, durable);
  const out: JsMsg[] = [];
  for await (const m of await c.fetch({ max_messages: n, expires: 2_000 })) out.push(m);
  return out;
}

const text = (ms: JsMsg[]) => ms.map((m) => new TextDecoder().decode(m.data));

describe('a sink partition consumer taken over under a new lease epoch', () => {
  it('delivers every message the old owner left unacknowledged at once, and the old owner’s late acks reach nothing', async () => {
    await using nats = await startNats();
    const bus = await connectBus(nats.url, 'takeover');
    try {
      await ensureTopology(bus.jsm);
      for (let i = 1; i <= 5; i++) await bus.js.publish(subjects.sink('t1', 0), new TextEncoder().encode(`m${i}`));
      const before = consumerSpecs.sink('t1', 0, 11);
      await bus.ensureConsumer(before);
      const held = await fetchAll(bus, before.durable, 5);
      expect(text(held)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

      // The old owner stalls holding all five; the new owner (a higher epoch) takes over.
      const after = consumerSpecs.sink('t1', 0, 12);
      const takenAt = Date.now();
      await bus.ensureConsumer(after);
      const names: string[] = [];
      for await (const c of bus.jsm.consumers.list(STREAMS.sink)) names.push(c.name);
      expect(names).toEqual([after.durable]);
      const again = await fetchAll(bus, after.durable, 5);
      // All five at once, oldest first: nothing waited for the old deliveries' ack wait (30 s).
      expect(text(again)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(Date.now() - takenAt).toBeLessThan(after.ackWaitMs);

      // The old owner wakes up and acks and naks what it held: its consumer is gone, so the
      // new owner's deliveries stay its own to acknowledge.
      held[0]!.ack();
      held[1]!.nak();
      await bus.nc.flush();
      const info = await bus.jsm.consumers.info(STREAMS.sink, after.durable);
      expect(info.num_ack_pending).toBe(5);
      expect((await bus.jsm.streams.info(STREAMS.sink)).state.messages).toBe(5);
      for (const m of again) await m.ackAck();
      expect((await bus.jsm.streams.info(STREAMS.sink)).state.messages).toBe(0);
    } finally {
      await bus.close();
    }
  });
});
