import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface MetricsServerOptions {
  readonly metrics: Metrics;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly host?: string;
  /** `/readyz` answers 200 while this is true (connected to the bus and started), 503 otherwise. */
  readonly ready: () => boolean;
  /** Why the process is not ready, in the 503 body. */
  readonly notReadyCause?: () => string;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The HTTP endpoint of a service process: `GET /metrics` (Prometheus text format),
 * `GET /healthz` (200 while the process runs) and `GET /readyz` (200 when ready, else 503).
 */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      o.metrics.text().then(
        (body) => res.writeHead(200, { 'content-type': o.metrics.registry.contentType }).end(body),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(e)}\n`),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = o.ready();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ready\n' : `not ready: ${o.notReadyCause?.() ?? 'starting'}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
