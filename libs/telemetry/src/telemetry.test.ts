import { describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger, startTracing } from './index.js';

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
      otlpEndpoint: '',
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
});
