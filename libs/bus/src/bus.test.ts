import { describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { headers } from '@nats-io/transport-node';
import { extractTrace, injectTrace, subjects, durables, type JsMsg } from './index.js';
import { FragmentAssembler } from './fragments.js';

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
    expect(durables.sink('a', 3, 7)).not.toBe(durables.sink('b', 3, 7));
    // Each lease epoch its own consumer: a previous owner's late acks cannot reach the new one.
    expect(durables.sink('a', 3, 7)).not.toBe(durables.sink('a', 3, 9));
  });
});

describe('FragmentAssembler', () => {
  const fragment = (of: string, part: string, data: number[]) => {
    const h = headers();
    h.set('Tw-Fragment', part);
    h.set('Tw-Fragment-Of', of);
    const calls: string[] = [];
    const msg = {
      headers: h,
      data: Uint8Array.from(data),
      ack: () => calls.push('ack'),
      nak: () => calls.push('nak'),
      working: () => calls.push('working'),
    };
    return { msg: msg as unknown as JsMsg, calls };
  };

  it('hands over the whole once every fragment is there, in index order, whatever the arrival order', () => {
    const a = new FragmentAssembler();
    const [f1, f0] = [fragment('m~1', '1/2', [3, 4]), fragment('m~1', '0/2', [1, 2])];
    expect(a.add(f1.msg)).toBeUndefined();
    const whole = a.add(f0.msg)!;
    expect([...whole.data]).toEqual([1, 2, 3, 4]);
    whole.ack();
    expect([f0.calls, f1.calls]).toEqual([['ack'], ['ack']]);
  });

  it('keeps a partial set alive, and drops (acks) it only after 15 minutes without a new fragment', () => {
    const a = new FragmentAssembler();
    const f0 = fragment('m~2', '0/3', [1]);
    a.add(f0.msg);
    a.touch(Date.now() + 14 * 60_000);
    expect(f0.calls).toEqual(['working']);
    a.touch(Date.now() + 16 * 60_000);
    expect(f0.calls).toEqual(['working', 'ack']);
    // Gone: a late fragment starts a new set instead of completing the dropped one.
    expect(a.add(fragment('m~2', '1/3', [2]).msg)).toBeUndefined();
  });
});
