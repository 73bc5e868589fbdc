import type { JsMsg } from '@nats-io/jetstream';
import { MAX_MESSAGE_BYTES } from './topology.js';

/**
 * A message larger than the bus accepts (a large transaction, a wide row) travels as
 * fragments: slices of its bytes, published back to back, each with these headers. The
 * consumer holds the fragments unacknowledged until it has all of them and hands the whole
 * message to its handler; acknowledging the whole acknowledges every fragment (A1).
 */
export const FRAGMENT_HEADERS = {
  /** `<index>/<count>`, index from 0. */
  part: 'Tw-Fragment',
  /** Identity of the whole: its message id and a digest of its bytes. */
  of: 'Tw-Fragment-Of',
} as const;

/** Room left in a NATS message for its headers (trace context, ids, routing). */
const HEADER_ROOM = 16 * 1024;

/** NATS' own default max_payload, assumed when the server did not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** The largest payload sent as one message: under the server's max_payload and the streams' limit. */
export function fragmentBytes(serverMaxPayload: number | undefined): number {
  return Math.min(MAX_MESSAGE_BYTES, serverMaxPayload || DEFAULT_MAX_PAYLOAD) - HEADER_ROOM;
}

/**
 * A held fragment set that gains nothing for this long is dropped (its fragments acked).
 * Longer than the 10-minute duplicate window: until then a producer that died mid-message
 * republishes the same bytes under the same fragment ids, JetStream drops the fragments it
 * already stored and the rest complete the held set; after it, a republish is stored whole.
 */
const STALE_MS = 15 * 60 * 1000;

interface Held {
  readonly count: number;
  readonly parts: Map<number, Uint8Array>;
  /** Every delivery of every fragment: all are acknowledged with the whole. */
  readonly messages: JsMsg[];
  touchedAt: number;
}

/** Reassembles fragmented messages for one ordered consumer. */
export class FragmentAssembler {
  private readonly held = new Map<string, Held>();

  /** The message to handle: `msg` itself, the whole it completed, or undefined (more fragments to come). */
  add(msg: JsMsg): JsMsg | undefined {
    const part = msg.headers?.get(FRAGMENT_HEADERS.part);
    const of = msg.headers?.get(FRAGMENT_HEADERS.of);
    if (!part || !of) return msg;
    const [index, count] = part.split('/').map(Number) as [number, number];
    let h = this.held.get(of);
    if (!h) this.held.set(of, (h = { count, parts: new Map(), messages: [], touchedAt: 0 }));
    h.parts.set(index, msg.data);
    h.messages.push(msg);
    h.touchedAt = Date.now();
    if (h.parts.size < h.count) return undefined;
    this.held.delete(of);
    const size = [...h.parts.values()].reduce((n, p) => n + p.length, 0);
    const data = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < h.count; i++) {
      data.set(h.parts.get(i)!, at);
      at += h.parts.get(i)!.length;
    }
    return wholeMessage(h.messages, data);
  }

  /** Keeps held fragments from being redelivered; drops sets that stopped growing (STALE_MS). */
  touch(now = Date.now()): void {
    for (const [of, h] of this.held) {
      if (now - h.touchedAt > STALE_MS) {
        for (const m of h.messages) m.ack();
        this.held.delete(of);
      } else for (const m of h.messages) m.working();
    }
  }

  /** Gives every held fragment back for redelivery (the consumer stops). */
  releaseAll(): void {
    for (const h of this.held.values()) for (const m of h.messages) m.nak();
    this.held.clear();
  }
}

/** The reassembled message: the first fragment's metadata, the whole's bytes, acks fanned out. */
function wholeMessage(messages: JsMsg[], data: Uint8Array): JsMsg {
  const first = messages[0]!;
  const each = (f: (m: JsMsg) => void) => messages.forEach(f);
  return {
    redelivered: first.redelivered,
    info: first.info,
    seq: first.seq,
    headers: first.headers,
    data,
    subject: first.subject,
    sid: first.sid,
    time: first.time,
    timestamp: first.timestamp,
    timestampNanos: first.timestampNanos,
    ack: () => each((m) => m.ack()),
    nak: (millis?: number) => each((m) => m.nak(millis)),
    working: () => each((m) => m.working()),
    term: (reason?: string) => each((m) => m.term(reason)),
    next: () => {
      throw new Error('a reassembled message cannot pull');
    },
    ackAck: async (opts) => (await Promise.all(messages.map((m) => m.ackAck(opts)))).every(Boolean),
    json: <T>() => JSON.parse(new TextDecoder().decode(data)) as T,
    string: () => new TextDecoder().decode(data),
  };
}
