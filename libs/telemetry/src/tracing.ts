import { propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_INSTANCE_ID } from '@opentelemetry/semantic-conventions/incubating';

export interface TracingOptions {
  readonly serviceName: string;
  readonly instanceId: string;
  /** OTLP/HTTP endpoint; empty = spans are created (so context propagates) but not exported. */
  readonly otlpEndpoint: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  readonly processors?: SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

/** Installs the global tracer provider and the W3C propagator. Call once per process. */
export function startTracing(opts: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [...(opts.processors ?? [])];
  if (opts.otlpEndpoint) {
    const url = opts.otlpEndpoint.endsWith('/v1/traces')
      ? opts.otlpEndpoint
      : `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
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
    shutdown: () => provider.shutdown(),
  };
}
