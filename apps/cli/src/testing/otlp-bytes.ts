import { createServer } from 'node:http';
import { once } from 'node:events';

/** One OTLP/HTTP export request as it arrived (any encoding: the services default to protobuf). */
export interface OtlpRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** An OTLP/HTTP endpoint standing in for the collector: keeps every request's bytes. */
export async function startOtlpBytes(): Promise<{ port: number; requests: OtlpRequest[]; close(): Promise<void> }> {
  const requests: OtlpRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type'] ?? ''),
        body: Buffer.concat(chunks),
      });
      // An empty ExportTraceServiceResponse is an empty body in either encoding.
      res.writeHead(200, { 'content-type': String(req.headers['content-type'] ?? 'application/x-protobuf') }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
