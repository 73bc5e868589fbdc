import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { TidewaterError } from '@tidewater/errors';
import { BatchPublisher } from './publisher.js';
import {
  consumeLoop,
  ensureConsumer,
  workLoop,
  type ConsumeLoopOptions,
  type DurableSpec,
  type MessageHandler,
} from './consumer.js';
import { openKv, type KV } from './kv.js';
import { purgeTask } from './topology.js';

/** How a loop on a durable reports and stops; the durable's tuning comes from its spec (consumer-specs.ts). */
export type LoopOptions = Omit<ConsumeLoopOptions, 'stream' | 'durable' | 'maxBytes'>;

/**
 * The connection to NATS. Services use its methods; the raw handles (`nc`, `js`, `jsm`) are
 * for libs/bus and the libs built on it, never for apps (bus-contract.test.ts checks).
 */
export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** A pipelined publisher that fragments messages above the server's max_payload. */
  publisher(maxInFlight: number): BatchPublisher;
  /** Creates or updates a durable pull consumer. */
  ensureConsumer(spec: DurableSpec): Promise<void>;
  /** consumeLoop on the spec's durable: one message after another, in stream order, pulled by bytes. */
  consume(spec: DurableSpec, opts: LoopOptions, handler: MessageHandler): Promise<void>;
  /** workLoop on the spec's durable: one work item at a time. */
  work(spec: DurableSpec, opts: LoopOptions, handler: MessageHandler): Promise<void>;
  /** Opens (creating if needed) a KV bucket. */
  openKv(bucket: string): Promise<KV>;
  /** Removes a task's messages from every stream (task deleted). */
  purgeTask(task: string): Promise<void>;
  close(): Promise<void>;
}

/** Connects to NATS with JetStream; reconnects forever (the bus restarting is an expected event). */
export async function connectBus(url: string, name: string): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 5_000 });
  } catch (e) {
    throw new TidewaterError(
      'TW_BUS_UNAVAILABLE',
      `cannot connect to NATS at ${url}: ${(e as Error).message}`,
      {
        subject: url,
        fix: 'start nats-server with JetStream (nats-server -js) or set TIDEWATER_NATS_URL',
      },
      { cause: e },
    );
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: 10_000 });
  } catch (e) {
    await nc.close();
    throw new TidewaterError(
      'TW_BUS_UNAVAILABLE',
      `NATS at ${url} has no JetStream: ${(e as Error).message}`,
      {
        subject: url,
        fix: 'run nats-server with -js (JetStream enabled)',
      },
      { cause: e },
    );
  }
  const js = jetstream(nc, { timeout: 10_000 });
  return {
    nc,
    js,
    jsm,
    publisher: (maxInFlight) => new BatchPublisher(js, maxInFlight, () => nc.info?.max_payload),
    ensureConsumer: (spec) => ensureConsumer(jsm, spec),
    consume: (spec, opts, handler) =>
      consumeLoop(js, { ...opts, stream: spec.stream, durable: spec.durable, maxBytes: spec.maxBytes }, handler),
    work: (spec, opts, handler) => workLoop(js, { ...opts, stream: spec.stream, durable: spec.durable }, handler),
    openKv: (bucket) => openKv(js, bucket),
    purgeTask: (task) => purgeTask(jsm, task),
    async close() {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** What the connected NATS server offers that Tidewater depends on. */
export interface BusDescription {
  readonly version: string;
  /** The server's max_payload: the largest message any client may publish. */
  readonly maxPayload: number;
}

/** Asks the server and its JetStream; throws TW_BUS_UNAVAILABLE when either does not answer. */
export async function describeBus(bus: Bus): Promise<BusDescription> {
  try {
    await bus.jsm.getAccountInfo();
  } catch (e) {
    throw new TidewaterError(
      'TW_BUS_UNAVAILABLE',
      `NATS JetStream did not answer: ${(e as Error).message}`,
      { fix: 'check that nats-server runs with -js and TIDEWATER_NATS_URL points at it' },
      { cause: e },
    );
  }
  const info = bus.nc.info;
  return { version: info?.version ?? 'unknown', maxPayload: info?.max_payload ?? 0 };
}
