import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TidewaterError } from '@tidewater/errors';
import { requireBinary } from './binaries.js';
import { accepts, freePort, startProcess, stopProcess } from './process.js';

export interface NatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly storeDir?: string;
  stop(): Promise<void>;
  /** Stops and starts the server on the same port and store: "the bus restarts mid-stream". */
  restart?(): Promise<void>;
}

export interface NatsOptions {
  /**
   * The server's max_payload (NATS syntax, e.g. '1MB'). Defaults to what Tidewater's own NATS
   * configurations set; a test of a stock server passes '1MB'. Always a private server.
   */
  readonly maxPayload?: string;
}

/** A private `nats-server -js` on a free port, or TIDEWATER_TEST_NATS_URL. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const envUrl = process.env.TIDEWATER_TEST_NATS_URL;
  if (envUrl && !opts.maxPayload) {
    return {
      url: envUrl,
      port: Number(new URL(envUrl).port || 4222),
      stop: async () => undefined,
      [Symbol.asyncDispose]: async () => undefined,
    };
  }
  const bin = requireBinary('nats-server');
  const root = mkdtempSync(join(tmpdir(), 'tidewater-test-nats-'));
  const storeDir = join(root, 'store');
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    // Tidewater's batches may exceed the default 1 MiB payload (streams accept 8 MiB).
    writeFileSync(join(root, 'nats.conf'), `max_payload: ${opts.maxPayload ?? '8MB'}\n`);
    child = startProcess(
      bin,
      ['-c', join(root, 'nats.conf'), '-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)],
      join(root, 'nats.log'),
    );
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new TidewaterError(
          'TW_SERVER_MISSING',
          `nats-server did not start on port ${port} (log: ${join(root, 'nats.log')})`,
          { fix: 'check the log, or set TIDEWATER_TEST_NATS_URL' },
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await launch();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcess(child, 5_000);
    rmSync(root, { recursive: true, force: true });
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    async restart() {
      await stopProcess(child, 5_000);
      await launch();
    },
    [Symbol.asyncDispose]: stop,
  };
}
