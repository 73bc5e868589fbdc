import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, waitFor, freePort, type NatsServer } from '@tidewater/testkit';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SERVICES = ['coordinator', 'capture', 'snapshot', 'transform', 'sink'] as const;

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('every service process', () => {
  it('starts, answers health requests over NATS, and exits 0 on SIGTERM', async () => {
    const grpc = `127.0.0.1:${await freePort()}`;
    const children: Record<string, ChildProcess> = {};
    for (const s of SERVICES) {
      children[s] = spawn(process.execPath, ['--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, join(root, 'apps', s, 'src', 'main.ts')], {
        env: { ...process.env, TIDEWATER_NATS_URL: nats.url, TIDEWATER_GRPC_ADDRESS: grpc, TIDEWATER_INSTANCE: `${s}-test` },
        stdio: 'ignore',
      });
    }
    try {
      for (const s of SERVICES) {
        const report = await waitFor(async () => {
          const reply = await nc.request(`tw.health.${s}`, '', { timeout: 1_000 });
          return JSON.parse(reply.string()) as { service: string; instance: string; status: string; rssBytes: number };
        }, { timeoutMs: 60_000, intervalMs: 500, what: `${s} health` });
        expect(report).toMatchObject({ service: s, instance: `${s}-test`, status: 'ok' });
        expect(report.rssBytes).toBeGreaterThan(0);
      }
    } finally {
      const exits = await Promise.all(
        SERVICES.map(
          (s) =>
            new Promise<number | null>((resolve) => {
              const c = children[s]!;
              if (c.exitCode !== null) return resolve(c.exitCode);
              c.once('exit', (code) => resolve(code));
              c.kill('SIGTERM');
            }),
        ),
      );
      expect(exits).toEqual(SERVICES.map(() => 0));
    }
  });
});
