import type {
  Metadata,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  ServiceError,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';

const getter = {
  get: (md: Metadata, key: string) => md.get(key).map(String),
  keys: (md: Metadata) => Object.keys(md.getMap()),
};

/**
 * Server spans for every method of a gRPC service, named and attributed per the OpenTelemetry
 * RPC conventions (`tidewater.v1.ControlService/CreateTask`, rpc.system/service/method,
 * rpc.grpc.status_code), continuing a caller's W3C trace from the request metadata. The
 * handler runs inside the span, so its logs and the coordinator's own work join the trace.
 * (Hand-made: the grpc auto-instrumentation patches CommonJS `require`, which this ESM build
 * does not go through.)
 */
export function tracedService<T extends UntypedServiceImplementation>(def: ServiceDefinition, impl: T): T {
  const tracer = trace.getTracer('tidewater');
  const out: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(impl)) {
    const method = def[name];
    if (!method || typeof handler !== 'function') {
      out[name] = handler;
      continue;
    }
    const [, service = '', rpc = name] = method.path.split('/');
    const start = (md: Metadata): { span: Span; ctx: ReturnType<typeof context.active> } => {
      const parent = propagation.extract(ROOT_CONTEXT, md, getter);
      const span = tracer.startSpan(
        `${service}/${rpc}`,
        { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': rpc } },
        parent,
      );
      return { span, ctx: trace.setSpan(parent, span) };
    };
    const end = (span: Span, err: Partial<ServiceError> | null | undefined) => {
      span.setAttribute('rpc.grpc.status_code', err?.code ?? 0);
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message ?? String(err.code) });
      span.end();
    };
    out[name] = method.responseStream
      ? (call: ServerWritableStream<unknown, unknown>) => {
          const { span, ctx } = start(call.metadata);
          let ended = false;
          const once = (err: Partial<ServiceError> | null) => {
            if (!ended) end(span, err);
            ended = true;
          };
          call.on('finish', () => once(null));
          call.on('cancelled', () => once(null));
          call.on('error', (e: ServiceError) => once(e));
          context.with(ctx, () => (handler as (c: typeof call) => void)(call));
        }
      : (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
          const { span, ctx } = start(call.metadata);
          context.with(ctx, () =>
            (handler as (c: typeof call, cb: sendUnaryData<unknown>) => void)(call, (err, value, ...rest) => {
              end(span, err);
              cb(err, value, ...rest);
            }),
          );
        };
  }
  return out as T;
}
