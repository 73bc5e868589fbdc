import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newSecretKey, type TaskSpec } from '@tidewater/config';
import { Supervisor, type ServiceSpec } from './supervisor.js';
import { awaitInstances, freePort } from '@tidewater/runtime';
import { connectBus } from '@tidewater/bus';
import { startLocalNats, type LocalNats } from './local-nats.js';
import { ControlClient } from './control-client.js';
import { localClientSecurity } from './control-security.js';
import { lockStateDir, type StateLock } from './state-lock.js';
import { TidewaterError } from '@tidewater/errors';

export interface LocalRun {
  readonly client: ControlClient;
  readonly supervisor: Supervisor;
  readonly natsUrl: string;
  readonly grpcAddress: string;
  /**
   * Settles, with the reason, when the private NATS died and could not be started again:
   * nothing can move any more, the command should stop and exit non-zero. Never settles with
   * a shared NATS (TIDEWATER_NATS_URL).
   */
  readonly lost: Promise<TidewaterError>;
  /** The /metrics port of each instance, when TIDEWATER_METRICS_PORT_BASE asked for them (else empty). */
  readonly metricsPorts: ReadonlyMap<string, number>;
  /** Pid of the private NATS, when this run has one (tests kill it to prove the restart). */
  natsPid(): number | undefined;
  stop(): Promise<void>;
}

export interface LocalRunOptions {
  readonly stateDir: string;
  readonly incremental: boolean;
  readonly sinks?: number;
  /** Standby instances of single-reader services (`capture-2`, `transform-2`): they take a task over when the active one is gone. */
  readonly spares?: readonly ('capture' | 'transform')[];
  /** Fixed control-plane address (`tidewater up`); default: a free loopback port. */
  readonly grpcAddress?: string;
  readonly onEvent?: (msg: string) => void;
  /** The state-dir lock, when the caller took it already (`demo`, before it touches the dir); else taken here. */
  readonly lock?: StateLock;
}

/**
 * Everything on this machine: a private NATS (unless TIDEWATER_NATS_URL is set) and one
 * process per service, supervised. The state dir keeps NATS' store, so a re-run resumes.
 */
export async function startLocal(opts: LocalRunOptions): Promise<LocalRun> {
  const sinks = opts.sinks ?? 1;
  if (!Number.isInteger(sinks) || sinks < 1) {
    throw new TidewaterError('TW_SPEC_INVALID', `--sinks ${opts.sinks} is not a number of sink instances`, {
      subject: '--sinks',
      fix: 'give --sinks an integer ≥ 1 (default 1)',
    });
  }
  const stateDir = resolve(opts.stateDir);
  mkdirSync(stateDir, { recursive: true });
  // A lock the caller holds is the caller's to release.
  const lock: StateLock = opts.lock ? { release: () => undefined } : lockStateDir(stateDir);
  let nats: LocalNats | undefined;
  let supervisor: Supervisor | undefined;
  try {
    // On stderr, as a service's restart is told: the run goes on, but someone should know.
    const natsUrl =
      process.env.TIDEWATER_NATS_URL ??
      (nats = await startLocalNats(stateDir, (m) => process.stderr.write(`tidewater: ${m}\n`))).url;
    const grpcAddress = opts.grpcAddress ?? `127.0.0.1:${await freePort()}`;
    // With a shared NATS, every run must be given the same TIDEWATER_SECRET_KEY(_FILE).
    const keyEnv: Record<string, string> =
      process.env.TIDEWATER_SECRET_KEY || process.env.TIDEWATER_SECRET_KEY_FILE
        ? {}
        : { TIDEWATER_SECRET_KEY_FILE: localSecretKey(stateDir) };
    supervisor = new Supervisor(
      { TIDEWATER_NATS_URL: natsUrl, TIDEWATER_GRPC_ADDRESS: grpcAddress, ...keyEnv },
      join(stateDir, 'logs'),
      opts.onEvent,
    );
    const services: ServiceSpec[] = [
      { name: 'coordinator' },
      { name: 'sink' },
      // Identical sink processes: they share each task's partitions by leases (docs/architecture.md, "Sink partitions").
      ...Array.from({ length: sinks - 1 }, (_, i) => ({ name: 'sink' as const, instance: `sink-${i + 1}` })),
      { name: 'transform' },
      { name: 'snapshot' },
      ...(opts.incremental ? [{ name: 'capture' as const }] : []),
      ...(opts.spares ?? []).map((name) => ({ name, instance: `${name}-2` })),
    ];
    const metricsPorts = withMetricsPorts(services, process.env.TIDEWATER_METRICS_PORT_BASE);
    supervisor.start(services);
    // Bound to every interface: this machine's own client still comes in over loopback.
    const client = new ControlClient(grpcAddress.replace(/^(0\.0\.0\.0|\[::\]):/, '127.0.0.1:'), localClientSecurity());
    await client.waitReady(60_000);
    await servicesAnswer(
      natsUrl,
      services.map((s) => s.instance ?? s.name),
    );
    const running = supervisor;
    return {
      client,
      supervisor: running,
      natsUrl,
      grpcAddress,
      lost: nats?.lost ?? new Promise<TidewaterError>(() => undefined),
      natsPid: () => nats?.pid(),
      metricsPorts,
      async stop() {
        client.close();
        await running.stop();
        await nats?.stop();
        lock.release();
      },
    };
  } catch (e) {
    await supervisor?.stop();
    await nats?.stop();
    lock.release();
    throw e;
  }
}

/**
 * Only when asked (TIDEWATER_METRICS_PORT_BASE=<port>): the services get /metrics, /healthz and
 * /readyz on consecutive ports from it, in their start order; by default none listens.
 */
function withMetricsPorts(services: ServiceSpec[], base: string | undefined): Map<string, number> {
  const ports = new Map<string, number>();
  if (!base) return ports;
  const first = Number(base);
  if (!Number.isInteger(first) || first < 1 || first + services.length - 1 > 65_535) {
    throw new TidewaterError('TW_SPEC_INVALID', `TIDEWATER_METRICS_PORT_BASE=${base} is not a port`, {
      subject: 'TIDEWATER_METRICS_PORT_BASE',
      fix: `set it to a port ≤ ${65_536 - services.length} (the services take the ${services.length} ports from it), or unset it`,
    });
  }
  services.forEach((s, i) => {
    ports.set(s.instance ?? s.name, first + i);
    services[i] = { ...s, env: { ...s.env, TIDEWATER_METRICS_PORT: String(first + i) } };
  });
  return ports;
}

/** The key encrypting task secrets in this state dir's NATS store, made on first use (mode 600). */
function localSecretKey(stateDir: string): string {
  const path = join(stateDir, 'secret.key');
  if (!existsSync(path)) writeFileSync(path, newSecretKey() + '\n', { mode: 0o600, flag: 'wx' });
  return path;
}

export function needsIncremental(spec: TaskSpec): boolean {
  return spec.migrationTypes.includes('incremental');
}

/** Returns once every service answers its health requests: then each is subscribed and ready for work. */
async function servicesAnswer(natsUrl: string, instances: string[]): Promise<void> {
  const bus = await connectBus(natsUrl, 'tidewater-cli');
  try {
    await awaitInstances(bus, instances, 120_000);
  } finally {
    await bus.close();
  }
}
