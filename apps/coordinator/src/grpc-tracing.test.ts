import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  makeGenericClientConstructor,
  status,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing, createLogger, type Tracing } from '@tidewater/telemetry';
import { tracedService } from './grpc-tracing.js';

const text = {
  serialize: (s: string) => Buffer.from(s),
  deserialize: (b: Buffer) => b.toString(),
};
const def: ServiceDefinition = {
  echo: {
    path: '/test.v1.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: text.serialize,
    requestDeserialize: text.deserialize,
    responseSerialize: text.serialize,
    responseDeserialize: text.deserialize,
  },
  ticks: {
    path: '/test.v1.Echo/Ticks',
    requestStream: false,
    responseStream: true,
    requestSerialize: text.serialize,
    requestDeserialize: text.deserialize,
    responseSerialize: text.serialize,
    responseDeserialize: text.deserialize,
  },
};

const exporter = new InMemorySpanExporter();
const logLines: string[] = [];
let tracing: Tracing;
let server: Server;
let client: InstanceType<ReturnType<typeof makeGenericClientConstructor>>;

beforeAll(async () => {
  tracing = startTracing({
    serviceName: 'test',
    instanceId: 'i',
    env: {},
    processors: [new SimpleSpanProcessor(exporter)],
  });
  const log = createLogger('test', 'info', (l) => logLines.push(l));
  server = new Server();
  server.addService(
    def,
    tracedService(def, {
      echo: (call: { request: string }, cb: (e: { code: number; message: string } | null, v?: string) => void) => {
        log.info('echo');
        if (call.request === 'fail') cb({ code: status.NOT_FOUND, message: 'no such thing' });
        else setTimeout(() => cb(null, call.request), 1);
      },
      ticks: (call: { write(s: string): void; end(): void }) => {
        call.write('a');
        call.end();
      },
    }),
  );
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  client = new (makeGenericClientConstructor(def, 'Echo'))(`127.0.0.1:${port}`, credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  server.forceShutdown();
  await tracing.shutdown();
});

const call = (req: string, md = new Metadata()) =>
  new Promise<string>((res, rej) =>
    (client as unknown as Record<string, (...args: unknown[]) => unknown>).echo!.call(
      client,
      req,
      md,
      (e: Error | null, v: string) => (e ? rej(e) : res(v)),
    ),
  );

describe('tracedService', () => {
  it("makes a server span per call that continues the caller's trace and names the method, with logs inside it", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const md = new Metadata();
    md.set('traceparent', `00-${traceId}-b7ad6b7169203331-01`);
    expect(await call('hi', md)).toBe('hi');
    await expect(call('fail')).rejects.toThrow(/no such thing/);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'test.v1.Echo/Echo');
    expect(spans).toHaveLength(2);
    const [ok, failed] = spans;
    expect(ok!.spanContext().traceId).toBe(traceId);
    expect(ok!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(ok!.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'Echo', 'rpc.grpc.status_code': 0 });
    expect(failed!.attributes['rpc.grpc.status_code']).toBe(status.NOT_FOUND);
    expect(failed!.status.code).toBe(2);
    expect(JSON.parse(logLines[0]!)).toMatchObject({
      msg: 'echo',
      trace_id: traceId,
      span_id: ok!.spanContext().spanId,
    });
  });

  it('ends a streaming call span when the stream finishes', async () => {
    const stream = (client as unknown as Record<string, (...args: unknown[]) => unknown>).ticks!.call(
      client,
      'x',
    ) as NodeJS.EventEmitter;
    await new Promise((res) => stream.on('end', res).on('data', () => undefined));
    // The server's 'finish' may follow the client's 'end': wait for the span, don't time it.
    await vi.waitFor(() => expect(exporter.getFinishedSpans().some((s) => s.name === 'test.v1.Echo/Ticks')).toBe(true));
  });
});
