import { describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger, startTracing } from './index.js';
import { otlpProtocolOf } from './tracing.js';

describe('logger', () => {
  it('scrubs registered secrets, secret-looking fields and URL credentials', () => {
    const lines: string[] = [];
    const log = createLogger('test', 'info', (l) => lines.push(l));
    log.addSecret('pa55w0rd');
    log.info('connect failed for mysql://root:pa55w0rd@h:3306', {
      password: 'x',
      host: 'h',
      err: new Error('denied pa55w0rd'),
    });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('pa55w0rd');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', service: 'test', password: '***', host: 'h' });
  });
});

describe('tracing', () => {
  it('propagates a span context through a carrier', async () => {
    const exporter = new InMemorySpanExporter();
    const t = startTracing({
      serviceName: 'test',
      instanceId: 'i',
      env: {},
      processors: [new SimpleSpanProcessor(exporter)],
    });
    const carrier: Record<string, string> = {};
    const span = t.tracer.startSpan('publish');
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    span.end();
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const child = t.tracer.startSpan('consume', {}, propagation.extract(context.active(), carrier));
    child.end();
    const [a, b] = exporter.getFinishedSpans();
    expect(b!.spanContext().traceId).toBe(a!.spanContext().traceId);
    await t.shutdown();
  });

  it('stamps log lines written inside a span with its trace and span ids, and only those', async () => {
    const t = startTracing({ serviceName: 'test', instanceId: 'i', env: {} });
    const lines: string[] = [];
    const log = createLogger('test', 'info', (l) => lines.push(l));
    const span = t.tracer.startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => log.info('inside'));
    span.end();
    log.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(inside!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(outside).not.toHaveProperty('trace_id');
    await t.shutdown();
  });

  it('exports over the OTLP protocol the standard environment names, and not at all without an endpoint', () => {
    expect(otlpProtocolOf({})).toBeUndefined();
    expect(otlpProtocolOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('http/protobuf');
    expect(
      otlpProtocolOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toBe('grpc');
    expect(
      otlpProtocolOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      }),
    ).toBe('http/json');
    expect(otlpProtocolOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(
      undefined,
    );
    expect(otlpProtocolOf({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe('http/protobuf');
    expect(() => otlpProtocolOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' })).toThrow(
      /set it to grpc, http\/protobuf or http\/json/,
    );
  });
});
