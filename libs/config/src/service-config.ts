import { TidewaterError } from '@tidewater/errors';

/** What every service process needs, from its environment. */
export interface ServiceConfig {
  readonly natsUrl: string;
  readonly serviceName: string;
  /** Distinguishes instances of one service (sink-0, sink-1). */
  readonly instanceId: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** OTLP/HTTP traces endpoint; empty = tracing spans stay in-process (no export). */
  readonly otlpEndpoint: string;
}

export function serviceConfigFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const natsUrl = env.TIDEWATER_NATS_URL ?? 'nats://127.0.0.1:4222';
  if (!/^(nats|tls):\/\//.test(natsUrl)) {
    throw new TidewaterError('TW_SPEC_INVALID', `TIDEWATER_NATS_URL=${natsUrl} is not a nats:// URL`, { subject: 'TIDEWATER_NATS_URL', fix: 'set TIDEWATER_NATS_URL=nats://host:4222' });
  }
  const level = env.TIDEWATER_LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw new TidewaterError('TW_SPEC_INVALID', `TIDEWATER_LOG_LEVEL=${level} is not a level`, { subject: 'TIDEWATER_LOG_LEVEL', fix: 'use debug, info, warn or error' });
  }
  return {
    natsUrl,
    serviceName,
    instanceId: env.TIDEWATER_INSTANCE ?? `${serviceName}-${process.pid}`,
    logLevel: level as ServiceConfig['logLevel'],
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '',
  };
}
