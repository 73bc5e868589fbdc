import { SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * Runs `fn` inside a new active span of the process's tracer (a child of `parent`, default the
 * active context): what `fn` publishes carries the trace on (bus headers are injected from the
 * active context) and what it logs carries trace_id/span_id. A throw marks the span as an error.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  parent?: Context,
): Promise<T> {
  const tracer = trace.getTracer('tidewater');
  const run = (span: Span) =>
    fn(span).then(
      (r) => {
        span.end();
        return r;
      },
      (e: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
        span.end();
        throw e;
      },
    );
  return parent
    ? tracer.startActiveSpan(name, { attributes }, parent, run)
    : tracer.startActiveSpan(name, { attributes }, run);
}
