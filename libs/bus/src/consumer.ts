import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type JetStreamClient,
  type JsMsg,
  type ConsumerConfig,
} from '@nats-io/jetstream';
import { isRetriable } from '@tidewater/errors';
import { FragmentAssembler } from './fragments.js';

export interface DurableSpec {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string;
  /** Time a message may stay unacknowledged before redelivery. */
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
  /** Bytes per pull (consumeLoop); a work loop takes one message at a time instead. */
  readonly maxBytes?: number;
  /**
   * Start from a new consumer. For an ordered consumer with a single reader (transform, a sink
   * partition): the streams are work queues that keep only unacknowledged messages, so a
   * new consumer delivers everything a crashed predecessor left pending, oldest first, before
   * anything newer — where the old consumer would hand out newer messages first and
   * redeliver the pending ones only after their ack wait (breaking O1). Every other consumer
   * of the same subject (a predecessor under another name) is deleted first: a work queue
   * takes one consumer per subject.
   */
  readonly fresh?: boolean;
}

/** Creates or updates a durable pull consumer. */
export async function ensureConsumer(jsm: JetStreamManager, spec: DurableSpec): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: spec.ackWaitMs * 1_000_000,
    max_ack_pending: spec.maxAckPending,
    max_deliver: -1,
  };
  if (spec.fresh) {
    const predecessors: string[] = [];
    for await (const c of jsm.consumers.list(spec.stream)) {
      if (c.name === spec.durable || c.config.filter_subject === spec.filterSubject) predecessors.push(c.name);
    }
    for (const name of predecessors) await jsm.consumers.delete(spec.stream, name).catch(() => undefined);
  }
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    await jsm.consumers.update(spec.stream, spec.durable, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  } catch {
    try {
      await jsm.consumers.add(spec.stream, config);
    } catch (e) {
      if (!/already (in use|exists)/i.test((e as Error).message)) throw e;
    }
  }
}

/** Lifetime of one pull request; the client's idle heartbeat is half of it. */
const PULL_EXPIRES_MS = 2_000;

export type MessageHandler = (msg: JsMsg) => Promise<'ack' | 'keep'>;

export interface ConsumeLoopOptions {
  readonly stream: string;
  readonly durable: string;
  /** Pull by bytes, not message count: large messages crawl with max_messages alone (docs/architecture.md, "Bus"). */
  readonly maxBytes?: number;
  readonly signal: AbortSignal;
  /** Called each time the handler threw; the same message is then retried after a backoff. */
  readonly onError: (e: unknown, msg: JsMsg) => void;
  /** Called after a message succeeded following one or more failures. */
  readonly onRecovered?: () => void;
  readonly retryDelayMs?: number;
}

/**
 * Processes messages strictly one after another, in stream order, acknowledging each only
 * after its handler resolved (invariant A1: ack only after the effect is durable).
 * A handler returning 'keep' takes over the acknowledgement itself (used by the sink to
 * hold a chunk's messages until the chunk commits).
 *
 * Invariant O1: a message whose handler fails is retried in place, with backoff, before
 * any later message is looked at. Moving on would let a later change batch of a table
 * commit first, after which the sink's record-id checkpoint (S2) would discard the
 * earlier one as a replay: lost rows.
 */
export async function consumeLoop(
  js: JetStreamClient,
  opts: ConsumeLoopOptions,
  handler: MessageHandler,
): Promise<void> {
  const consumer = await js.consumers.get(opts.stream, opts.durable);
  // Fragments of a message too large for one NATS message wait here, unacknowledged, until
  // the whole is there; the handler sees the whole, at the place of its last fragment.
  const fragments = new FragmentAssembler();
  const keepAlive = setInterval(() => fragments.touch(), 5_000);
  try {
    while (!opts.signal.aborted) {
      // A pull whose remaining byte budget is smaller than the next message gets a 409 from
      // the server; with nothing buffered the client then waits for two missed idle
      // heartbeats before it pulls again. Short pulls (heartbeat every second) keep that
      // wait short: large messages and fragments used to stall here for 30 s each.
      const messages = await consumer.consume({
        max_bytes: opts.maxBytes ?? 8 * 1024 * 1024,
        expires: PULL_EXPIRES_MS,
      });
      const stop = () => void messages.close();
      opts.signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const msg of messages) {
          if (opts.signal.aborted) break;
          const whole = fragments.add(msg);
          if (whole && !(await handleInPlace(whole, opts, handler))) break;
        }
      } finally {
        opts.signal.removeEventListener('abort', stop);
        await messages.close().catch(() => undefined);
      }
    }
  } finally {
    clearInterval(keepAlive);
    fragments.releaseAll();
  }
}

/** Runs the handler until it succeeds (true) or the loop is stopping (false, message released). */
async function handleInPlace(msg: JsMsg, opts: ConsumeLoopOptions, handler: MessageHandler): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      const verdict = await handler(msg);
      if (verdict === 'ack') msg.ack();
      if (attempt > 0) opts.onRecovered?.();
      return true;
    } catch (e) {
      opts.onError(e, msg);
      const delay = Math.min(10_000, (opts.retryDelayMs ?? 500) * 2 ** Math.min(attempt, 5)) * (isRetriable(e) ? 1 : 2);
      msg.working();
      const stopped = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), delay);
        opts.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve(true);
          },
          { once: true },
        );
      });
      if (stopped) {
        msg.nak();
        return false;
      }
    }
  }
}

/**
 * Takes one message at a time (work items: each may take long, so none should wait in a
 * client-side buffer where its ack deadline runs out). Several loops on one durable share
 * the queue.
 */
export async function workLoop(
  js: JetStreamClient,
  opts: Omit<ConsumeLoopOptions, 'maxBytes'>,
  handler: MessageHandler,
): Promise<void> {
  const consumer = await js.consumers.get(opts.stream, opts.durable);
  let failing = false;
  while (!opts.signal.aborted) {
    const msg = await consumer.next({ expires: 2_000 }).catch(() => null);
    if (!msg) continue;
    if (opts.signal.aborted) {
      msg.nak();
      break;
    }
    try {
      if ((await handler(msg)) === 'ack') msg.ack();
      if (failing) opts.onRecovered?.();
      failing = false;
    } catch (e) {
      failing = true;
      opts.onError(e, msg);
      msg.nak(opts.retryDelayMs ?? 1_000);
    }
  }
}
