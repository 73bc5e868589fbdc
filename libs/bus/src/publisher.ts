import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { TidewaterError } from '@tidewater/errors';
import { injectTrace } from './trace-headers.js';

export interface PublishOptions {
  /** Deduplication id: JetStream drops a second message with the same id within the window. */
  readonly msgId: string;
  readonly headers?: Record<string, string>;
}

/**
 * Publishes with up to `maxInFlight` unacknowledged publishes (pipelining: one awaited
 * round trip per message would cap the rate at the latency). `flush()` resolves when every
 * publish so far is stored by JetStream, which is what callers checkpoint on.
 */
export class BatchPublisher {
  private readonly inFlight = new Set<Promise<PubAck>>();
  private failure: unknown;

  constructor(
    private readonly js: JetStreamClient,
    private readonly maxInFlight = 64,
  ) {}

  async publish(subject: string, data: Uint8Array, opts: PublishOptions): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight).catch(() => undefined);
    if (this.failure) throw this.failure;
    const h = injectTrace(natsHeaders());
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    const p = this.js.publish(subject, data, { msgID: opts.msgId, headers: h, timeout: 30_000 });
    this.inFlight.add(p);
    p.then(
      () => this.inFlight.delete(p),
      (e: unknown) => {
        this.inFlight.delete(p);
        this.failure ??= new TidewaterError('TW_BUS_UNAVAILABLE', `publish to ${subject} failed: ${(e as Error).message}`, { subject }, { cause: e });
      },
    );
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    if (this.failure) {
      const f = this.failure;
      this.failure = undefined;
      throw f;
    }
  }
}
