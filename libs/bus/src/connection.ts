import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { TidewaterError } from '@tidewater/errors';

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  close(): Promise<void>;
}

/** Connects to NATS with JetStream; reconnects forever (the bus restarting is an expected event). */
export async function connectBus(url: string, name: string): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 5_000 });
  } catch (e) {
    throw new TidewaterError('TW_BUS_UNAVAILABLE', `cannot connect to NATS at ${url}: ${(e as Error).message}`, {
      subject: url,
      fix: 'start nats-server with JetStream (nats-server -js) or set TIDEWATER_NATS_URL',
    }, { cause: e });
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: 10_000 });
  } catch (e) {
    await nc.close();
    throw new TidewaterError('TW_BUS_UNAVAILABLE', `NATS at ${url} has no JetStream: ${(e as Error).message}`, {
      subject: url,
      fix: 'run nats-server with -js (JetStream enabled)',
    }, { cause: e });
  }
  const js = jetstream(nc, { timeout: 10_000 });
  return {
    nc,
    js,
    jsm,
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
    throw new TidewaterError('TW_BUS_UNAVAILABLE', `NATS JetStream did not answer: ${(e as Error).message}`, { fix: 'check that nats-server runs with -js and TIDEWATER_NATS_URL points at it' }, { cause: e });
  }
  const info = bus.nc.info;
  return { version: info?.version ?? 'unknown', maxPayload: info?.max_payload ?? 0 };
}
