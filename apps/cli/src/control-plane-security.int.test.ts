import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, waitFor, withTimeout } from '@tidewater/testkit';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { CheckStatus } from '@tidewater/proto';
import type { LocalRun } from './local-run.js';
import { ControlClient } from './control-client.js';
import { clientSecurityFromEnv } from './control-security.js';
import { startSecureControlPlane, type SecureControlPlane } from './testing/secure-control-plane.js';
import { tlsRecipe } from './testing/tls-recipe.js';

// A token that only the callers that must be let in present.
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;

let plane: SecureControlPlane;
let work: string;
let local: LocalRun;
let port: number;

beforeAll(async () => {
  plane = await startSecureControlPlane('tw-sec-', `Pw-${randomBytes(6).toString('hex')}`, TOKEN);
  ({ local, port } = plane);
  ({ work } = plane.stack);
}, 180_000);

afterAll(() => plane?.stop());

const spec = (name: string, extra: Record<string, unknown> = {}) => plane.spec(name, extra);

describe('control plane security', () => {
  it('refuses to listen beyond loopback without TLS', async () => {
    const out: string[] = [];
    const env = {
      ...plane.env,
      TIDEWATER_NATS_URL: local.natsUrl,
      TIDEWATER_GRPC_ADDRESS: `0.0.0.0:${await freePort()}`,
      TIDEWATER_SECRET_KEY: 'a'.repeat(64),
    };
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('apps/coordinator/src/main.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    const code = await withTimeout(
      new Promise<number | null>((r) => child.once('exit', r)),
      60_000,
      'the coordinator to refuse to start',
    );
    expect(code).toBe(2);
    expect(out.join('')).toContain('without TLS');
  });

  it('answers only callers with the bearer token, over TLS', async () => {
    const address = `127.0.0.1:${port}`;
    const ca = plane.cert;
    const anonymous = new ControlClient(address, clientSecurityFromEnv({ TIDEWATER_TLS_CA: ca }));
    const wrong = new ControlClient(
      address,
      clientSecurityFromEnv({ TIDEWATER_TLS_CA: ca, TIDEWATER_API_TOKEN: 'not-the-token' }),
    );
    const plaintext = new ControlClient(address, clientSecurityFromEnv({ TIDEWATER_API_TOKEN: TOKEN }));
    try {
      await expect(anonymous.listTasks()).rejects.toMatchObject({
        code: 'TW_UNAUTHENTICATED',
        message: expect.stringContaining('requires a bearer token'),
      });
      await expect(wrong.listTasks()).rejects.toMatchObject({
        code: 'TW_UNAUTHENTICATED',
        message: expect.stringContaining('wrong'),
      });
      await expect(plaintext.listTasks()).rejects.toMatchObject({
        code: 'TW_TLS_REQUIRED',
        message: expect.stringContaining('requires TLS'),
      });
      expect(Array.isArray(await local.client.listTasks())).toBe(true);
    } finally {
      anonymous.close();
      wrong.close();
      plaintext.close();
    }
  });

  it('works with the TLS recipe of docs/control-plane.md as written; a client without TLS is told TLS is required', async () => {
    const { server, client } = tlsRecipe();
    const up = server.find((l) => / tidewater up /.test(l))!;
    expect(server.some((l) => l.startsWith('openssl req'))).toBe(true);
    expect(client.length).toBe(1);
    // tw.example resolves nowhere here: the recipe runs under `localhost`, on a free port.
    const grpcPort = await freePort();
    const here = (l: string) => l.replaceAll('tw.example', 'localhost').replaceAll(':7233', `:${grpcPort}`);
    const dir = join(work, 'recipe');
    mkdirSync(dir);
    // Only what a shell has: no TIDEWATER_* of this test (its NATS, its TLS settings, its key).
    const env = { PATH: `${resolve('bin')}:${process.env.PATH}`, HOME: dir };
    const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { cwd: dir, env, encoding: 'utf8' });
    for (const l of server.filter((x) => x !== up)) expect(sh(here(l))).toMatchObject({ status: 0 });
    const out: string[] = [];
    const upProcess = spawn('sh', ['-c', here(up)], {
      cwd: dir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    upProcess.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    upProcess.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    const exited = new Promise<number | null>((r) => upProcess.once('exit', r));
    try {
      await Promise.race([
        waitFor(async () => (out.join('').includes('tidewater is up') ? true : undefined), {
          timeoutMs: 120_000,
          intervalMs: 200,
          what: 'tidewater up to come up',
        }),
        exited.then((code) => Promise.reject(new Error(`tidewater up exited with ${code}: ${out.join('')}`))),
      ]);
      const listed = sh(here(client[0]!));
      expect(listed.stderr).toBe('');
      expect(listed.status).toBe(0);
      // The same call without the CA: a plaintext client, told so instead of timing out.
      const plaintext = sh(here(client[0]!).replace(/TIDEWATER_TLS_CA=\S+ /, ''));
      expect(plaintext.status).not.toBe(0);
      expect(plaintext.stderr).toContain('TW_TLS_REQUIRED');
      expect(plaintext.stderr).toContain('TIDEWATER_TLS_CA');
    } finally {
      // Unless it exited already (its output is in the error above): no ESRCH to hide that.
      if (upProcess.exitCode === null && upProcess.signalCode === null) {
        process.kill(-upProcess.pid!, 'SIGINT');
        await withTimeout(exited, 60_000, 'tidewater up to stop');
      }
    }
  });

  it('fails the precheck when a destination table exists, and warns under conflictMode ignore', async () => {
    const c = local.client;
    const w = await WarehouseSession.open(join(work, 'taken.duckdb'));
    try {
      await w.query('CREATE SCHEMA s');
      await w.query('CREATE TABLE s.t_base (id INT, v VARCHAR)');
    } finally {
      await w.close();
    }
    const path = join(work, 'taken.duckdb');
    const strict = await c.createTask(spec('taken', { destination: { type: 'duckdb', path } }));
    const pre = await c.runPrecheck(strict.taskId);
    expect(pre.passed).toBe(false);
    expect(pre.items.find((i) => i.name === 'destination.conflict')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('s.t_base'),
    });
    await c.deleteTask(strict.taskId);
    const lenient = await c.createTask(
      spec('taken2', { destination: { type: 'duckdb', path }, conflictMode: 'ignore' }),
    );
    const pre2 = await c.runPrecheck(lenient.taskId);
    expect(pre2.passed).toBe(true);
    expect(pre2.items.find((i) => i.name === 'destination.conflict')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_WARNING,
      message: expect.stringContaining('s.t_base'),
    });
    await expect(c.startTask(lenient.taskId)).rejects.toMatchObject({
      code: 'TW_TASK_STATE',
      message: expect.stringContaining('destination.conflict'),
    });
    await c.deleteTask(lenient.taskId);
  });
});
