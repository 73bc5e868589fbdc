import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, waitFor, withTimeout, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { CheckStatus, Stage, type TaskView } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { startLocal, type LocalRun } from './local-run.js';
import { ControlClient, clientSecurityFromEnv } from './control-client.js';
import { appliedUpToNow } from './testing/applied.js';
import { connectBus } from '@tidewater/bus';
import { TaskStore } from '@tidewater/task-state';

// A password and a token that must never show up in an API answer or a log line.
const PASSWORD = `Pw-${randomBytes(6).toString('hex')}`;
const WRONG_PASSWORD = `Wrong-${randomBytes(6).toString('hex')}`;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let local: LocalRun;
let port: number;
const saved = { ...process.env };

beforeAll(async () => {
  stack = await startStack('tw-sec-');
  ({ db, source, work } = stack);
  await source.query('CREATE DATABASE s');
  await source.query('CREATE TABLE s.t (id INT PRIMARY KEY, v VARCHAR(20))');
  await source.query(`INSERT INTO s.t SELECT seq, 'seed' FROM s.seq_1_to_1000`);
  await source.query(`CREATE USER 'tw'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await source.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT, SHOW VIEW ON *.* TO 'tw'@'%'`);
  // A self-signed certificate for the coordinator, trusted by the clients as their CA.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(work, 'key.pem'),
      '-out',
      join(work, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  Object.assign(process.env, {
    TIDEWATER_TLS_CERT: join(work, 'cert.pem'),
    TIDEWATER_TLS_KEY: join(work, 'key.pem'),
    TIDEWATER_TLS_CA: join(work, 'cert.pem'),
    TIDEWATER_API_TOKEN: TOKEN,
  });
  port = await freePort();
  // Every interface: the coordinator must insist on TLS and the token.
  local = await startLocal({ stateDir: join(work, 'state'), incremental: true, grpcAddress: `0.0.0.0:${port}` });
}, 180_000);

afterAll(async () => {
  await local?.stop();
  process.env = saved;
  await stack?.stop();
});

const spec = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: 'tw', password: PASSWORD },
    destination: { type: 'duckdb', path: join(work, `${name}.duckdb`) },
    migrationTypes: ['schema', 'full', 'incremental'],
    objects: [{ database: 's' }],
    ...extra,
  });

function logText(): string {
  const dir = join(work, 'state', 'logs');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/**
 * The shell commands of the TLS recipe in docs/control-plane.md (its first `sh` block under
 * "Security"), continuation lines joined: the commands run on the server, then those after the
 * `# elsewhere` comment.
 */
function tlsRecipe(): { server: string[]; client: string[] } {
  const doc = readFileSync(resolve('docs/control-plane.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## Security')))![1]!;
  const lines = block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim());
  const split = lines.findIndex((l) => l.startsWith('# elsewhere'));
  const commands = (ls: string[]) => ls.filter((l) => l && !l.startsWith('#'));
  return { server: commands(lines.slice(0, split)), client: commands(lines.slice(split + 1)) };
}

describe('control plane security', () => {
  it('refuses to listen beyond loopback without TLS', async () => {
    const out: string[] = [];
    const env = {
      ...saved,
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
    const ca = join(work, 'cert.pem');
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
      process.kill(-upProcess.pid!, 'SIGINT');
      await withTimeout(exited, 60_000, 'tidewater up to stop');
    }
  });

  it('never returns or logs the source password, even while the task retries a lost source', async () => {
    const c = local.client;
    const answers: unknown[] = [];
    const seen: TaskView[] = [];
    const watching = new AbortController();
    try {
      const created = await c.createTask(spec('sec', { retry: { connectionMinutes: 10, otherMinutes: 5 } }));
      answers.push(created);
      expect(JSON.parse(created.redactedSpecJson).source.password).toBe('***');
      void c.watchTask(created.taskId, (t) => seen.push(t), watching.signal);
      const pre = await c.runPrecheck(created.taskId);
      answers.push(pre);
      expect(pre.items.find((i) => i.name === 'destination.conflict')?.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
      answers.push(
        await c.startTask(
          created.taskId,
          pre.items.filter((i) => i.status === CheckStatus.CHECK_STATUS_WARNING).map((i) => i.name),
        ),
      );
      await waitFor(async () => (await c.getTask(created.taskId)).stage === Stage.STAGE_INCREMENTAL, {
        timeoutMs: 120_000,
        what: 'the incremental stage',
      });

      // The source goes away: the task keeps its stage and shows who retries what, until when.
      const before = Date.now();
      await db.restart!(async () => {
        const t = await waitFor(
          async () => {
            const v = await c.getTask(created.taskId);
            return v.retrying.some((r) => r.reporter === 'capture') ? v : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: 'the task to show capture retrying' },
        );
        answers.push(t, await c.listTasks());
        const r = t.retrying.find((x) => x.reporter === 'capture')!;
        expect(t.stage).toBe(Stage.STAGE_INCREMENTAL);
        expect(r.code).toBe('TW_SOURCE_UNREACHABLE');
        expect(r.window).toBe('connection');
        expect(Number(r.deadlineMs) - Number(r.sinceMs)).toBe(10 * 60_000);
        expect(Number(r.sinceMs)).toBeGreaterThanOrEqual(before - 1_000);
      });
      await source.query(`UPDATE s.t SET v = 'after outage' WHERE id = 5`);
      // Back: the change made after the outage arrives and the fault clears.
      await appliedUpToNow(
        c,
        created.taskId,
        { host: db.host, port: db.port, user: db.user, password: db.password },
        90_000,
      );
      await waitFor(async () => ((await c.getTask(created.taskId)).retrying.length === 0 ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the retrying entry to clear after the source came back',
      });
      answers.push(
        await c.pauseTask(created.taskId),
        await c.resumeTask(created.taskId),
        await c.stopTask(created.taskId),
      );
      const w = await waitFor(() => WarehouseSession.open(join(work, 'sec.duckdb')), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the sink to release the warehouse',
      });
      try {
        expect(await w.query('SELECT v FROM s.t_merged WHERE id = 5')).toEqual([['after outage']]);
      } finally {
        await w.close();
      }

      // A wrong password is reported without being echoed.
      const bad = await c.createTask(spec('secbad').replace(PASSWORD, WRONG_PASSWORD));
      const badPre = await c.runPrecheck(bad.taskId);
      answers.push(bad, badPre, await c.getTask(bad.taskId));
      expect(badPre.items[0]).toMatchObject({ name: 'source.connectivity', status: CheckStatus.CHECK_STATUS_FAILED });
      expect(json(badPre)).not.toContain(WRONG_PASSWORD);
    } finally {
      watching.abort();
    }
    answers.push(...seen);
    expect(seen.length).toBeGreaterThan(0);
    const everything = json(answers);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(TOKEN);
    const logs = logText();
    expect(logs).toContain('binlog stream interrupted');
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(WRONG_PASSWORD);
    expect(logs).not.toContain(TOKEN);
  });

  it('takes a new source password on a paused task (UpdateTask) and continues from its checkpoints; refuses other changes by name', async () => {
    const c = local.client;
    const [before, after] = [`Old-${randomBytes(6).toString('hex')}`, `New-${randomBytes(6).toString('hex')}`];
    await source.query('CREATE DATABASE u');
    await source.query('CREATE TABLE u.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await source.query(`INSERT INTO u.t SELECT seq, 'seed' FROM u.seq_1_to_300`);
    await source.query(`CREATE USER 'rot'@'%' IDENTIFIED BY '${before}'`);
    await source.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT, SHOW VIEW ON *.* TO 'rot'@'%'`);
    const path = join(work, 'rotate.duckdb');
    const base = {
      name: 'rotate',
      destination: { type: 'duckdb', path },
      migrationTypes: ['schema', 'full', 'incremental'],
      objects: [{ database: 'u' }],
    };
    const answers: unknown[] = [];
    const created = await c.createTask(
      JSON.stringify({ ...base, source: { host: db.host, port: db.port, user: 'rot', password: before } }),
    );
    answers.push(created, await c.precheckAndStart(created.taskId));
    await waitFor(
      async () => ((await c.getTask(created.taskId)).stage === Stage.STAGE_INCREMENTAL ? true : undefined),
      { timeoutMs: 120_000, what: 'the incremental stage' },
    );
    // The new credentials as a URL: the parsed source differs only in its password.
    const updated = JSON.stringify({
      ...base,
      source: { url: `mysql://rot:${encodeURIComponent(after)}@${db.host}:${db.port}` },
    });
    await expect(c.updateTask(created.taskId, updated)).rejects.toMatchObject({
      code: 'TW_TASK_STATE',
      message: expect.stringContaining('pause it first'),
    });

    answers.push(await c.pauseTask(created.taskId));
    await source.query(`ALTER USER 'rot'@'%' IDENTIFIED BY '${after}'`);
    await source.query(`INSERT INTO u.t VALUES (1001, 'while paused')`);
    const moved = JSON.stringify({
      ...JSON.parse(updated),
      objects: [{ database: 's' }],
      destination: { type: 'duckdb', path: join(work, 'elsewhere.duckdb') },
    });
    const refused = await c.updateTask(created.taskId, moved).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(refused).toMatchObject({ code: 'TW_SPEC_INVALID', message: expect.stringContaining('cannot change') });
    expect(refused!.message).toContain('objects (it decides which tables were copied)');
    expect(refused!.message).toContain('destination.path (the rows copied so far are in the current destination)');
    answers.push(refused!.message);
    const update = await c.updateTask(created.taskId, updated);
    answers.push(update);
    expect(update.changed).toEqual(['source.password']);
    expect(update.task.stage).toBe(Stage.STAGE_PAUSED);

    // At rest the new password is sealed like at creation.
    const bus = await connectBus(stack.nats.url, 'rotate-test');
    try {
      const stored = (await (await TaskStore.open(bus)).require(created.taskId)).state.specJson;
      expect(stored).not.toContain(after);
      expect(JSON.parse(stored).source.password).toMatch(/^enc:v1:/);
    } finally {
      await bus.close();
    }

    answers.push(await c.resumeTask(created.taskId));
    await source.query(`INSERT INTO u.t VALUES (1002, 'after update'), (1003, 'after update')`);
    const applied = await appliedUpToNow(
      c,
      created.taskId,
      { host: db.host, port: db.port, user: db.user, password: db.password },
      90_000,
    );
    answers.push(applied);
    // Only the three inserts: the change stream went on from its checkpoint, nothing was copied again.
    expect(applied.changesApplied).toBe(3n);
    answers.push(await c.stopTask(created.taskId));
    const w = await waitFor(() => WarehouseSession.open(path), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the sink to release the warehouse',
    });
    try {
      expect(await w.query('SELECT count(*)::INT FROM u.t_base')).toEqual([[300]]);
      expect(await w.query('SELECT id, v FROM u.t_merged WHERE id > 1000 ORDER BY id')).toEqual([
        [1001, 'while paused'],
        [1002, 'after update'],
        [1003, 'after update'],
      ]);
    } finally {
      await w.close();
    }
    const everything = json(answers) + logText();
    expect(everything).not.toContain(before);
    expect(everything).not.toContain(after);
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
