import { propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter as OtlpHttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OtlpGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_INSTANCE_ID } from '@opentelemetry/semantic-conventions/incubating';

export interface TracingOptions {
  readonly serviceName: string;
  readonly instanceId: string;
  /** The standard `OTEL_*` variables (default `process.env`): exporter, protocol, endpoint, sampler. */
  readonly env?: NodeJS.ProcessEnv;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  readonly processors?: SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  /** How spans leave the process, for the start-up log line: `none` or `otlp <protocol>`. */
  readonly exporting: string;
  shutdown(): Promise<void>;
}

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

/**
 * Which OTLP exporter the environment asks for, following the OpenTelemetry SDK environment
 * specification: `OTEL_TRACES_EXPORTER` (`otlp` or `none`; unset = `otlp` when an OTLP
 * endpoint is set, so a process without a collector never retries sends), then the protocol
 * (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`, default `http/protobuf`).
 * Undefined = spans are still made (context propagates across services) but not exported.
 */
export function otlpProtocolOf(env: NodeJS.ProcessEnv): OtlpProtocol | undefined {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim());
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const wanted = exporters.includes('otlp') || (exporters.join('') === '' && !!endpoint);
  if (!wanted || exporters.includes('none')) return undefined;
  const p = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (p === 'grpc' || p === 'http/protobuf' || p === 'http/json') return p;
  throw new Error(
    `OTEL_EXPORTER_OTLP_PROTOCOL=${p} is not a known OTLP protocol: set it to grpc, http/protobuf or http/json`,
  );
}

/**
 * Installs the global tracer provider and the W3C propagator. Call once per process.
 * The exporters read their endpoint, headers, timeout and compression from the same
 * environment, and the provider its sampler (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`;
 * default parent-based always-on), so every standard variable works as documented upstream.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const env = opts.env ?? process.env;
  const processors: SpanProcessor[] = [...(opts.processors ?? [])];
  const protocol = otlpProtocolOf(env);
  if (protocol) processors.push(new BatchSpanProcessor(exporterFor(protocol)));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: `tidewater-${opts.serviceName}`,
      [ATTR_SERVICE_INSTANCE_ID]: opts.instanceId,
    }),
    spanProcessors: processors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    tracer: trace.getTracer('tidewater'),
    exporting: protocol ? `otlp ${protocol}` : 'none',
    shutdown: () => provider.shutdown(),
  };
}

function exporterFor(protocol: OtlpProtocol): SpanExporter {
  switch (protocol) {
    case 'grpc':
      return new OtlpGrpc();
    case 'http/json':
      return new OtlpHttpJson();
    default:
      return new OtlpHttpProto();
  }
}
