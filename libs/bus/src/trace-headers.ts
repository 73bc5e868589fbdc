import { context, propagation, type Context } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/**
 * OpenTelemetry context travels in NATS message headers (W3C traceparent/tracestate):
 * there is no auto-instrumentation for NATS, so every publish injects and every consume
 * extracts explicitly.
 */
export function injectTrace(h: MsgHdrs = natsHeaders(), ctx: Context = context.active()): MsgHdrs {
  propagation.inject(ctx, h, {
    set(carrier, key, value) {
      carrier.set(key, value);
    },
  });
  return h;
}

export function extractTrace(h: MsgHdrs | undefined): Context {
  if (!h) return context.active();
  return propagation.extract(context.active(), h, {
    get(carrier, key) {
      return carrier.has(key) ? carrier.get(key) : undefined;
    },
    keys(carrier) {
      return carrier.keys();
    },
  });
}
