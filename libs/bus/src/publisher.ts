import { createHash } from 'node:crypto';
import { headers as natsHeaders, InvalidArgumentError } from '@nats-io/transport-node';
import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { TidewaterError } from '@tidewater/errors';
import { injectTrace } from './trace-headers.js';
import { FRAGMENT_HEADERS, fragmentBytes } from './fragments.js';

export interface PublishOptions {
  /** Deduplication id (messageIds): JetStream drops a second message with the same id within the window. */
  readonly msgId: string | undefined;
  readonly headers?: Record<string, string>;
}

/** JetStream's "message size exceeds maximum allowed" (the stream's max_msg_size). */
const JS_MESSAGE_TOO_LARGE = 10054;

/**
 * Publishes with up to `maxInFlight` unacknowledged publishes (pipelining: one awaited
 * round trip per message would cap the rate at the latency). `flush()` resolves when every
 * publish so far is stored by JetStream, which is what callers checkpoint on.
 *
 * A message larger than one NATS message may be (`fragmentBytes` of the server's
 * max_payload) is published as fragments (`fragments.ts`) that `consumeLoop` reassembles.
 * Fragment ids are the message id plus a digest of the bytes: a republish of the same bytes
 * is dropped fragment by fragment (D1), other bytes under the same id never mix with them.
 */
export class BatchPublisher {
  private readonly inFlight = new Set<Promise<PubAck>>();
  private failure: unknown;

  /** `maxPayload`: the connected server's max_payload (`bus.nc.info?.max_payload`), asked per message. */
  constructor(
    private readonly js: JetStreamClient,
    private readonly maxInFlight = 64,
    private readonly maxPayload: () => number | undefined = () => undefined,
  ) {}

  async publish(subject: string, data: Uint8Array, opts: PublishOptions): Promise<void> {
    const limit = fragmentBytes(this.maxPayload());
    if (data.length <= limit) return this.publishOne(subject, data, opts.msgId, opts.headers ?? {});
    const of = `${opts.msgId}~${createHash('sha256').update(data).digest('hex').slice(0, 16)}`;
    const count = Math.ceil(data.length / limit);
    for (let i = 0; i < count; i++) {
      await this.publishOne(subject, data.subarray(i * limit, (i + 1) * limit), `${of}#${i}/${count}`, {
        ...opts.headers,
        [FRAGMENT_HEADERS.part]: `${i}/${count}`,
        [FRAGMENT_HEADERS.of]: of,
      });
    }
  }

  private async publishOne(
    subject: string,
    data: Uint8Array,
    msgId: string | undefined,
    headers: Record<string, string>,
  ): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight).catch(() => undefined);
    if (this.failure) throw this.failure;
    const h = injectTrace(natsHeaders());
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    const p = this.js.publish(subject, data, { msgID: msgId, headers: h, timeout: 30_000 });
    this.inFlight.add(p);
    p.then(
      () => this.inFlight.delete(p),
      (e: unknown) => {
        this.inFlight.delete(p);
        this.failure ??= publishError(subject, data.length, e);
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

/**
 * A refused size is fatal: retrying the same bytes cannot succeed. Recognised by the
 * client's argument error (it checks max_payload before sending) and JetStream's error code.
 */
function publishError(subject: string, bytes: number, e: unknown): TidewaterError {
  const tooLarge =
    (e instanceof JetStreamApiError && e.code === JS_MESSAGE_TOO_LARGE) || e instanceof InvalidArgumentError;
  if (tooLarge) {
    return new TidewaterError(
      'TW_BUS_MESSAGE_TOO_LARGE',
      `NATS refused a ${bytes}-byte message to ${subject} as too large: ${(e as Error).message}`,
      {
        subject,
        bytes,
        fix: 'set max_payload: 8MB in the NATS server configuration (as deploy/nats.conf does) and resume the task',
      },
      { cause: e },
    );
  }
  return new TidewaterError(
    'TW_BUS_UNAVAILABLE',
    `publish to ${subject} failed: ${(e as Error).message}`,
    { subject },
    { cause: e },
  );
}
