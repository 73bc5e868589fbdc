import { describe, expect, it } from 'vitest';
import type { MsgHdrs } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { Progress } from '@tidewater/proto';
import { consumerSpecs, messageIds, publishProgress, type Bus } from './index.js';

function fakeBus(fail?: unknown) {
  const sent: { subject: string; progress: Progress; msgID?: string; headers: MsgHdrs }[] = [];
  const js = {
    publish: async (subject: string, data: Uint8Array, opts: { msgID?: string; headers: MsgHdrs }) => {
      if (fail) throw fail;
      sent.push({ subject, progress: Progress.decode(data), msgID: opts.msgID, headers: opts.headers });
      return { seq: sent.length };
    },
  };
  return { bus: { js } as unknown as Bus, sent };
}

describe('publishProgress', () => {
  it("publishes to the task's events subject with the given id, through the publisher", async () => {
    const { bus, sent } = fakeBus();
    const report = Progress.fromPartial({ taskId: 'orders', unit: { $case: 'chunkId', value: 'o.t0.c1' }, rows: 5n });
    await publishProgress(bus, report, messageIds.chunkProgress('o.t0.c1'));
    await publishProgress(
      bus,
      Progress.fromPartial({ taskId: 'orders', unit: { $case: 'caughtUp', value: { token: 'x' } } }),
    );
    expect(sent.map((s) => [s.subject, s.msgID])).toEqual([
      ['tw.events.orders.progress', 'chunk:o.t0.c1'],
      ['tw.events.orders.progress', undefined],
    ]);
    expect(sent[0]!.progress).toEqual(report);
  });

  it('fails with a classified bus error', async () => {
    const { bus } = fakeBus(new Error('connection closed'));
    await expect(publishProgress(bus, Progress.fromPartial({ taskId: 'orders' }))).rejects.toMatchObject({
      code: 'TW_BUS_UNAVAILABLE',
    });
    const tooLarge = new JetStreamApiError({
      err_code: 10054,
      code: 400,
      description: 'message size exceeds maximum allowed',
    });
    await expect(
      publishProgress(fakeBus(tooLarge).bus, Progress.fromPartial({ taskId: 'orders' })),
    ).rejects.toMatchObject({ code: 'TW_BUS_MESSAGE_TOO_LARGE' });
  });
});

describe('consumer specs', () => {
  it('give each durable its stream, filter and tuning', () => {
    expect(consumerSpecs.snapshot('o')).toEqual({
      stream: 'TW_WORK',
      durable: 'snapshot_o',
      filterSubject: 'tw.work.o.snapshot',
      ackWaitMs: 20_000,
      maxAckPending: 1_000,
    });
    expect(consumerSpecs.transform('o')).toEqual({
      stream: 'TW_SOURCE',
      durable: 'transform_o',
      filterSubject: 'tw.source.o.>',
      ackWaitMs: 30_000,
      maxAckPending: 2_000,
      maxBytes: 16 * 1024 * 1024,
      fresh: true,
    });
    expect(consumerSpecs.sink('o', 2, 41)).toEqual({
      stream: 'TW_SINK',
      durable: 'sink_o_2_e41',
      filterSubject: 'tw.sink.o.2',
      ackWaitMs: 30_000,
      maxAckPending: 10_000,
      maxBytes: 16 * 1024 * 1024,
      fresh: true,
    });
    expect(consumerSpecs.coordinator('o')).toEqual({
      stream: 'TW_EVENTS',
      durable: 'coordinator_o',
      filterSubject: 'tw.events.o.progress',
      ackWaitMs: 5_000,
      maxAckPending: 1_000,
      maxBytes: 1024 * 1024,
    });
  });
});
