import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { startNats } from '@tidewater/testkit';
import {
  BatchPublisher,
  connectBus,
  consumeLoop,
  ensureConsumer,
  ensureTopology,
  STREAMS,
  type JsMsg,
} from './index.js';

describe('messages larger than the bus accepts', () => {
  it('travel as fragments and reach the handler whole, once; acking the whole removes every fragment', async () => {
    await using nats = await startNats({ maxPayload: '1MB' });
    const bus = await connectBus(nats.url, 'fragments');
    try {
      await ensureTopology(bus.jsm);
      await ensureConsumer(bus.jsm, {
        stream: STREAMS.sink,
        durable: 'frag',
        filterSubject: 'tw.sink.frag.0',
        ackWaitMs: 30_000,
        maxAckPending: 100,
        fresh: true,
      });
      const publisher = new BatchPublisher(bus.js, 16, () => bus.nc.info?.max_payload);
      const big = randomBytes(5 * 1024 * 1024 + 7);
      const small = randomBytes(100);
      await publisher.publish('tw.sink.frag.0', small, { msgId: 'small' });
      await publisher.publish('tw.sink.frag.0', big, { msgId: 'big' });
      // The same bytes again under the same id: every fragment is dropped as a duplicate (D1).
      await publisher.publish('tw.sink.frag.0', big, { msgId: 'big' });
      await publisher.flush();
      expect((await bus.jsm.streams.info(STREAMS.sink)).state.messages).toBe(1 + 6);

      const seen: Uint8Array[] = [];
      const controller = new AbortController();
      await consumeLoop(
        bus.js,
        {
          stream: STREAMS.sink,
          durable: 'frag',
          signal: controller.signal,
          onError: (e) => {
            throw e;
          },
        },
        async (msg: JsMsg) => {
          seen.push(msg.data);
          if (seen.length === 2) setTimeout(() => controller.abort(), 200);
          // The reassembled message acknowledges all of its fragments (A1).
          await msg.ackAck();
          return 'keep';
        },
      );
      expect(seen.map((d) => d.length)).toEqual([small.length, big.length]);
      expect(Buffer.from(seen[1]!).equals(big)).toBe(true);
      expect((await bus.jsm.streams.info(STREAMS.sink)).state.messages).toBe(0);
    } finally {
      await bus.close();
    }
  });

  it('a size the server refuses is the fatal TW_BUS_MESSAGE_TOO_LARGE, from the client check and from JetStream', async () => {
    await using nats = await startNats({ maxPayload: '1MB' });
    const bus = await connectBus(nats.url, 'too-large');
    try {
      await bus.jsm.streams.add({
        name: 'SMALL',
        subjects: ['small.>'],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.Memory,
        max_msg_size: 64 * 1024,
      });
      // Told a larger max_payload than the server has (as after a restart with another configuration).
      const stale = new BatchPublisher(bus.js, 4, () => 8 * 1024 * 1024);
      await stale.publish('small.x', randomBytes(2 * 1024 * 1024), { msgId: 'a' });
      await expect(stale.flush()).rejects.toMatchObject({ code: 'TW_BUS_MESSAGE_TOO_LARGE', retriable: false });
      // Over the stream's max_msg_size: JetStream's own refusal (error code 10054).
      const publisher = new BatchPublisher(bus.js, 4, () => bus.nc.info?.max_payload);
      await publisher.publish('small.x', randomBytes(128 * 1024), { msgId: 'b' });
      await expect(publisher.flush()).rejects.toMatchObject({ code: 'TW_BUS_MESSAGE_TOO_LARGE', retriable: false });
    } finally {
      await bus.close();
    }
  });
});
