import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, waitFor, freePort, type NatsServer } from '@tidewater/testkit';
import { ControlClient } from './control-client.js';
import { newSecretKey } from '@tidewater/config';
import { Kvm } from '@nats-io/kv';
import { credentials, loadPackageDefinition, type ChannelCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

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

/** What a grpcurl-style client learns through server reflection: the service names and a symbol's file. */
async function reflect(address: string): Promise<{ services: string[]; fileBytes: number }> {
  const def = loadSync(
    join(root, 'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto'),
  );
  type Call = { write(m: object): void; end(): void; on(ev: string, f: (x: never) => void): void };
  const pkg = loadPackageDefinition(def) as unknown as {
    grpc: {
      reflection: {
        v1alpha: {
          ServerReflection: new (a: string, c: ChannelCredentials) => { ServerReflectionInfo(): Call; close(): void };
        };
      };
    };
  };
  const client = new pkg.grpc.reflection.v1alpha.ServerReflection(address, credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      const got: { services?: string[]; fileBytes?: number } = {};
      call.on(
        'data',
        (r: {
          listServicesResponse?: { service: { name: string }[] };
          fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
        }) => {
          if (r.listServicesResponse) got.services = r.listServicesResponse.service.map((s) => s.name);
          if (r.fileDescriptorResponse)
            got.fileBytes = r.fileDescriptorResponse.fileDescriptorProto.reduce((n, b) => n + b.length, 0);
          if (got.services && got.fileBytes !== undefined) {
            call.end();
            resolve({ services: got.services, fileBytes: got.fileBytes });
          }
        },
      );
      call.on('error', reject);
      call.write({ listServices: '*' });
      call.write({ fileContainingSymbol: 'tidewater.v1.ControlService' });
    });
  } finally {
    client.close();
  }
}

describe('every service process', () => {
  it('starts, answers health requests over NATS, serves the control plane, and exits 0 on SIGTERM', async () => {
    const grpc = `127.0.0.1:${await freePort()}`;
    const key = newSecretKey();
    const children: Record<string, ChildProcess> = {};
    for (const s of SERVICES) {
      children[s] = spawn(
        process.execPath,
        [
          '--import',
          pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
          join(root, 'apps', s, 'src', 'main.ts'),
        ],
        {
          env: {
            ...process.env,
            TIDEWATER_NATS_URL: nats.url,
            TIDEWATER_GRPC_ADDRESS: grpc,
            TIDEWATER_INSTANCE: `${s}-test`,
            TIDEWATER_SECRET_KEY: key,
          },
          stdio: 'ignore',
        },
      );
    }
    try {
      for (const s of SERVICES) {
        const report = await waitFor(
          async () => {
            const reply = await nc.request(`tw.health.${s}`, '', { timeout: 1_000 });
            return JSON.parse(reply.string()) as {
              service: string;
              instance: string;
              status: string;
              rssBytes: number;
            };
          },
          { timeoutMs: 60_000, intervalMs: 500, what: `${s} health` },
        );
        expect(report).toMatchObject({ service: s, instance: `${s}-test`, status: 'ok' });
        expect(report.rssBytes).toBeGreaterThan(0);
      }
      // The coordinator's control plane answers with stable codes and never echoes secrets.
      const client = new ControlClient(grpc);
      try {
        await expect(client.getTask('nope')).rejects.toMatchObject({ code: 'TW_TASK_NOT_FOUND' });
        await expect(client.createTask('name: x\nsourse: {}\n')).rejects.toMatchObject({ code: 'TW_SPEC_INVALID' });
        const created = await client.createTask(
          'name: t1\nsource: { url: "mysql://u:Sup3rSecret@127.0.0.1:1" }\nobjects: [{ database: d }]\n',
        );
        expect(created.taskId).toBe('t1');
        const listed = JSON.stringify(await client.listTasks(), (_k, v: unknown) =>
          typeof v === 'bigint' ? String(v) : v,
        );
        expect(listed).toContain('t1');
        expect(listed).not.toContain('Sup3rSecret');
        // At rest the password is encrypted: the KV value does not hold it either.
        const kv = await new Kvm(nc).open('tw_tasks');
        const stored = new TextDecoder().decode((await kv.get('t1'))!.value);
        expect(stored).toContain('enc:v1:');
        expect(stored).not.toContain('Sup3rSecret');
        await client.deleteTask('t1');
        await expect(client.getTask('t1')).rejects.toMatchObject({ code: 'TW_TASK_NOT_FOUND' });
        // Server reflection lists the control plane and serves its schema.
        const reflected = await reflect(grpc);
        expect(reflected.services).toContain('tidewater.v1.ControlService');
        expect(reflected.fileBytes).toBeGreaterThan(1_000);
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
