import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startMariaDb, startNats, waitFor, freePort, type NatsServer } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { Stage } from '@tidewater/proto';
import { ControlClient } from './control-client.js';
import { startLocal } from './local-run.js';
import { specText } from './testing/specs.js';
import { untilStage } from './testing/task-waits.js';
import { sample } from './testing/prometheus.js';
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

describe('metrics of a local run (TIDEWATER_METRICS_PORT_BASE)', () => {
  it("counts a full copy's rows read by snapshot and written by sink, and the sink is ready", async () => {
    const db = await startMariaDb();
    const work = mkdtempSync(join(tmpdir(), 'tw-metrics-'));
    const saved = { ...process.env };
    process.env.TIDEWATER_NATS_URL = nats.url;
    process.env.TIDEWATER_METRICS_PORT_BASE = String(await freePort());
    let local: Awaited<ReturnType<typeof startLocal>> | undefined;
    try {
      const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
      await source.query('CREATE DATABASE mx');
      await source.query('CREATE TABLE mx.items (id INT PRIMARY KEY, name VARCHAR(20))');
      await source.query(`INSERT INTO mx.items SELECT seq, CONCAT('item-', seq) FROM mx.seq_1_to_1234`);
      await source.close();
      local = await startLocal({ stateDir: join(work, 'state'), incremental: false });
      const spec = specText('metrics', db, join(work, 'metrics.duckdb'), {
        migrationTypes: ['schema', 'full'],
        objects: [{ database: 'mx' }],
      });
      const created = await local.client.createTask(spec);
      await local.client.precheckAndStart(created.taskId);
      const done = await untilStage(local.client, created.taskId, Stage.STAGE_COMPLETED);
      const copied = Number(done.tables.find((t) => t.source?.table === 'items')!.rowsDone);
      expect(copied).toBe(1234);

      const scrape = async (instance: string, path: string) => {
        const res = await fetch(`http://127.0.0.1:${local!.metricsPorts.get(instance)}${path}`);
        return { status: res.status, text: await res.text() };
      };
      const table = { task: 'metrics', table: 'mx.items', stage: 'full' };
      const sink = await scrape('sink', '/metrics');
      expect(sink.status).toBe(200);
      expect(sample(sink.text, 'tidewater_rows_total', { ...table, direction: 'written' })).toBe(copied);
      expect(sample(sink.text, 'tidewater_bytes_total', { ...table, direction: 'written' })).toBeGreaterThan(0);
      expect(sample(sink.text, 'tidewater_batch_commit_seconds_count', { task: 'metrics', stage: 'full' })).toBe(1);
      expect(sink.text).toContain('tidewater_process_resident_memory_bytes');
      // Labels are names only: no connection string or credential reaches a metric.
      expect(sink.text).not.toMatch(/password|mysql:\/\//i);
      const snapshot = await scrape('snapshot', '/metrics');
      expect(sample(snapshot.text, 'tidewater_rows_total', { ...table, direction: 'read' })).toBe(copied);
      expect(await scrape('sink', '/readyz')).toMatchObject({ status: 200 });
      expect(await scrape('sink', '/healthz')).toMatchObject({ status: 200 });
      const health = JSON.parse((await nc.request('tw.health.sink', '', { timeout: 2_000 })).string()) as object;
      expect(health).toMatchObject({ service: 'sink', status: 'ok', cause: '' });
    } finally {
      await local?.stop();
      process.env = saved;
      await db.stop();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
