import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { waitFor } from '@tidewater/testkit';

/** One POST as the receiver got it: path, query, raw body and its JSON. */
export interface Received {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly raw: string;
  readonly json: Record<string, unknown>;
  readonly contentType: string;
}

/**
 * A webhook endpoint for tests (what Slack, DingTalk or an alert router would be): records
 * every POST and answers as a DingTalk robot does (`{"errcode":0}`), which the others ignore.
 */
export class WebhookReceiver {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly received: Received[],
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const received: Received[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const u = new URL(req.url ?? '/', 'http://receiver');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // kept raw: the test fails on what it expected
        }
        received.push({
          path: u.pathname,
          query: u.searchParams,
          raw,
          json,
          contentType: req.headers['content-type'] ?? '',
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return new WebhookReceiver(server, `http://127.0.0.1:${port}`, received);
  }

  /** What arrived at `path`. */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** The first message at `path` that `test` accepts, once it arrived. */
  until(path: string, test: (r: Received) => boolean, what: string, timeoutMs = 90_000): Promise<Received> {
    return waitFor(async () => this.at(path).find(test), { timeoutMs, intervalMs: 100, what });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
