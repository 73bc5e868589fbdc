import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, waitFor, freePort, type NatsServer } from '@tidewater/testkit';
import { ControlClient } from './control-client.js';
import { newSecretKey } from '@tidewater/config';
import { Kvm } from '@nats-io/kv';

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
  it('starts, answers health requests over NATS, serves the control plane, and exits 0 on SIGTERM', async () => {
    const grpc = `127.0.0.1:${await freePort()}`;
    const key = newSecretKey();
    const children: Record<string, ChildProcess> = {};
    for (const s of SERVICES) {
      children[s] = spawn(process.execPath, ['--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, join(root, 'apps', s, 'src', 'main.ts')], {
        env: { ...process.env, TIDEWATER_NATS_URL: nats.url, TIDEWATER_GRPC_ADDRESS: grpc, TIDEWATER_INSTANCE: `${s}-test`, TIDEWATER_SECRET_KEY: key },
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
      // The coordinator's control plane answers with stable codes and never echoes secrets.
      const client = new ControlClient(grpc);
      try {
        await expect(client.getTask('nope')).rejects.toMatchObject({ code: 'TW_TASK_NOT_FOUND' });
        await expect(client.createTask('name: x\nsourse: {}\n')).rejects.toMatchObject({ code: 'TW_SPEC_INVALID' });
        const created = await client.createTask('name: t1\nsource: { url: "mysql://u:Sup3rSecret@127.0.0.1:1" }\nobjects: [{ database: d }]\n');
        expect(created.taskId).toBe('t1');
        const listed = JSON.stringify(await client.listTasks(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
        expect(listed).toContain('t1');
        expect(listed).not.toContain('Sup3rSecret');
        // At rest the password is encrypted: the KV value does not hold it either.
        const kv = await new Kvm(nc).open('tw_tasks');
        const stored = new TextDecoder().decode((await kv.get('t1'))!.value);
        expect(stored).toContain('enc:v1:');
        expect(stored).not.toContain('Sup3rSecret');
        await client.deleteTask('t1');
        await expect(client.getTask('t1')).rejects.toMatchObject({ code: 'TW_TASK_NOT_FOUND' });
      } finally {
        client.close();
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
