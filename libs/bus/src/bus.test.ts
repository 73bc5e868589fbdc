import { describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { headers } from '@nats-io/transport-node';
import { extractTrace, injectTrace, subjects, durables } from './index.js';

describe('trace headers', () => {
  it('carry the span context through NATS headers', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const span = new BasicTracerProvider().getTracer('t').startSpan('publish');
    const h = injectTrace(headers(), trace.setSpan(context.active(), span));
    expect(h.get('traceparent')).toContain(span.spanContext().traceId);
    expect(trace.getSpanContext(extractTrace(h))?.traceId).toBe(span.spanContext().traceId);
    span.end();
  });
});

describe('subjects', () => {
  it('keep tasks apart and partition the sink', () => {
    expect(subjects.sink('a', 3)).toBe('tw.sink.a.3');
    expect(subjects.sourceAll('a')).toBe('tw.source.a.>');
    expect(durables.sink('a', 3)).not.toBe(durables.sink('b', 3));
  });
});
