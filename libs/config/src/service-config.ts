import { TidewaterError } from '@tidewater/errors';

/** Where the control plane listens (coordinator) and is called (CLI) unless told otherwise: loopback, see docs/control-plane.md. */
export const DEFAULT_GRPC_ADDRESS = '127.0.0.1:7233';

/** What every service process needs, from its environment. */
export interface ServiceConfig {
  readonly natsUrl: string;
  readonly serviceName: string;
  /** Distinguishes instances of one service (capture, capture-2) for the supervisor and health. */
  readonly instanceId: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Control-plane bind address (coordinator). */
  readonly grpcAddress: string;
  /** DuckDB memory limit of a sink: keeps its memory flat however large the warehouse grows. */
  readonly duckdbMemory: string;
  /** Set by the CLI's supervisor for its children: a service whose parent died stops too. */
  readonly exitWithParent: boolean;
  /** HTTP port of /metrics, /healthz and /readyz (TIDEWATER_METRICS_PORT); 0 = no endpoint. */
  readonly metricsPort: number;
  /** Address that endpoint binds (TIDEWATER_METRICS_HOST, default all interfaces, for scrapers and probes). */
  readonly metricsHost: string;
}

function invalid(variable: string, message: string, fix: string): TidewaterError {
  return new TidewaterError('TW_SPEC_INVALID', message, { subject: variable, fix });
}

function metricsPort(env: NodeJS.ProcessEnv): number {
  const raw = (env.TIDEWATER_METRICS_PORT ?? '').trim();
  if (raw === '') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) {
    throw invalid(
      'TIDEWATER_METRICS_PORT',
      `TIDEWATER_METRICS_PORT=${raw} is not a port`,
      'set TIDEWATER_METRICS_PORT to a port 1-65535 for the /metrics endpoint, or 0 (or unset) for none',
    );
  }
  return Number(raw);
}

export function serviceConfigFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const natsUrl = env.TIDEWATER_NATS_URL ?? 'nats://127.0.0.1:4222';
  if (!/^(nats|tls):\/\//.test(natsUrl)) {
    throw invalid(
      'TIDEWATER_NATS_URL',
      `TIDEWATER_NATS_URL=${natsUrl} is not a nats:// URL`,
      'set TIDEWATER_NATS_URL=nats://host:4222',
    );
  }
  const level = env.TIDEWATER_LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw invalid(
      'TIDEWATER_LOG_LEVEL',
      `TIDEWATER_LOG_LEVEL=${level} is not a level`,
      'use debug, info, warn or error',
    );
  }
  return {
    natsUrl,
    serviceName,
    instanceId: env.TIDEWATER_INSTANCE ?? `${serviceName}-${process.pid}`,
    logLevel: level as ServiceConfig['logLevel'],
    grpcAddress: env.TIDEWATER_GRPC_ADDRESS ?? DEFAULT_GRPC_ADDRESS,
    duckdbMemory: env.TIDEWATER_DUCKDB_MEMORY ?? '256MB',
    exitWithParent: env.TIDEWATER_EXIT_WITH_PARENT === '1',
    metricsPort: metricsPort(env),
    metricsHost: env.TIDEWATER_METRICS_HOST ?? '0.0.0.0',
  };
}
