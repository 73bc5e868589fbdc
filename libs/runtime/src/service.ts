import { serviceConfigFromEnv, type ServiceConfig } from '@tidewater/config';
import { connectBus, ensureTopology, type Bus } from '@tidewater/bus';
import { createLogger, metrics, startMetricsServer, startTracing, type Logger } from '@tidewater/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { isTidewaterError } from '@tidewater/errors';
import { Lifecycle, type Component } from './lifecycle.js';
import { healthResponder } from './health.js';

export interface ServiceContext {
  readonly config: ServiceConfig;
  readonly log: Logger;
  readonly bus: Bus;
  readonly tracer: Tracer;
  readonly signal: AbortSignal;
}

/**
 * A supervised service stops when its supervisor is gone (killed without a chance to stop
 * its children): an orphan would keep consuming the task's queues.
 */
function exitWithParent(lifecycle: Lifecycle, log: ServiceContext['log']): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      log.warn('supervisor gone: stopping');
      void lifecycle.stop().then(() => process.exit(0));
    }
  }, 1_000);
  timer.unref();
}

/** The HTTP endpoint of /metrics, /healthz and /readyz, when TIDEWATER_METRICS_PORT is set. */
function metricsEndpoint(config: ServiceConfig, ready: () => boolean): Component {
  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  return {
    name: 'metrics',
    async start() {
      if (config.metricsPort === 0) return;
      server = await startMetricsServer({ metrics, port: config.metricsPort, host: config.metricsHost, ready });
    },
    stop: async () => server?.close(),
  };
}

/** Ready from now while the bus is connected (not while it reconnects) and the service not stopping. */
function followReadiness(bus: Bus, signal: AbortSignal, set: (ready: boolean) => void): void {
  if (signal.aborted) return;
  set(true);
  signal.addEventListener('abort', () => set(false), { once: true });
  void (async () => {
    for await (const s of bus.nc.status()) {
      if (s.type === 'disconnect') set(false);
      else if (s.type === 'reconnect') set(!signal.aborted);
    }
  })().catch(() => undefined);
  bus.nc.closed().then(
    () => set(false),
    () => set(false),
  );
}

/**
 * The common start of every service process: config from the environment, logging,
 * tracing, the bus and its streams, a health responder; then the service's own
 * components. SIGTERM/SIGINT stop everything in reverse order.
 */
export async function runService(
  name: string,
  build: (ctx: ServiceContext) => Promise<Component[]> | Component[],
  health: () => Record<string, unknown> = () => ({}),
): Promise<void> {
  const config = serviceConfigFromEnv(name);
  const log = createLogger(name, config.logLevel);
  const lifecycle = new Lifecycle(log);
  lifecycle.handleSignals();
  process.on('unhandledRejection', (e) => log.error('unhandled rejection', { err: e }));
  let ready = false;
  try {
    // First started, last stopped: /healthz answers while the lifecycle runs, /readyz once started.
    await lifecycle.start([metricsEndpoint(config, () => ready)]);
    const tracing = startTracing({
      serviceName: name,
      instanceId: config.instanceId,
    });
    const bus = await connectBus(config.natsUrl, `tidewater-${config.instanceId}`);
    await ensureTopology(bus.jsm);
    const ctx: ServiceContext = { config, log, bus, tracer: tracing.tracer, signal: lifecycle.signal };
    const components: Component[] = [
      { name: 'tracing', start: async () => undefined, stop: () => tracing.shutdown() },
      { name: 'bus', start: async () => undefined, stop: () => bus.close() },
      healthResponder(bus.nc, name, config.instanceId, health),
      ...(await build(ctx)),
    ];
    await lifecycle.start(components);
    followReadiness(bus, lifecycle.signal, (r) => (ready = r));
    log.info('started', { instance: config.instanceId, nats: config.natsUrl, traces: tracing.exporting });
    if (config.exitWithParent) exitWithParent(lifecycle, log);
  } catch (e) {
    log.error('failed to start', { err: e, fix: isTidewaterError(e) ? e.describe() : undefined });
    await lifecycle.stop();
    process.exit(isTidewaterError(e) && !e.retriable ? 2 : 1);
  }
}
