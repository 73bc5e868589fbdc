import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { Stage } from '@tidewater/proto';
import { startLocal, type LocalRun } from './local-run.js';
import { startLocalNats } from './local-nats.js';
import { appliedUpToNow } from './testing/applied.js';

// Runs here use their own private NATS (no TIDEWATER_NATS_URL): that server, its store in the
// state dir and the lock on the dir are what these tests are about.
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let conn: { host: string; port: number; user: string; password: string };
let local: LocalRun;
const stateDir = () => join(work, 'state');

beforeAll(async () => {
  delete process.env.TIDEWATER_NATS_URL;
  db = await startMariaDb();
  conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  source = await openSource(conn);
  work = mkdtempSync(join(tmpdir(), 'tw-local-'));
  await source.query('CREATE DATABASE lr');
  await source.query('CREATE TABLE lr.t (id INT PRIMARY KEY, v INT NOT NULL)');
  await source.query('INSERT INTO lr.t SELECT seq, 0 FROM lr.seq_1_to_500');
  local = await startLocal({ stateDir: stateDir(), incremental: true });
  const created = await local.client.createTask(
    JSON.stringify({
      name: 'lr',
      source: conn,
      destination: { type: 'duckdb', path: join(work, 'wh.duckdb') },
      migrationTypes: ['schema', 'full', 'incremental'],
      objects: [{ database: 'lr' }],
    }),
  );
  await local.client.precheckAndStart(created.taskId);
  await appliedUpToNow(local.client, 'lr', conn);
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await source?.close();
  await db?.stop();
  if (work && !process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
});

describe('a local run owns its state dir', () => {
  it('refuses a second run on the same state dir, naming the dir, the holder and what to do; the first keeps working', async () => {
    const second = await startLocal({ stateDir: stateDir(), incremental: true }).then(
      async (run) => {
        await run.stop();
        return undefined;
      },
      (e: unknown) => e as { code: string; message: string; details: { fix: string } },
    );
    expect(second?.code).toBe('TW_STATE_DIR_IN_USE');
    expect(second?.message).toContain(stateDir());
    expect(second?.message).toContain(`pid ${process.pid}`);
    expect(second?.details.fix).toMatch(/another --state-dir/);
    await source.query('UPDATE lr.t SET v = 1 WHERE id = 1');
    await appliedUpToNow(local.client, 'lr', conn);
  });

  it('takes over a lock left by a run that died', async () => {
    const dir = join(work, 'stale');
    mkdirSync(dir, { recursive: true });
    // The pid of a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    writeFileSync(
      join(dir, 'lock'),
      JSON.stringify({ pid: Number(dead), command: 'tidewater migrate -f gone.yaml', since: new Date().toISOString() }),
    );
    const run = await startLocal({ stateDir: dir, incremental: false });
    await run.stop();
  });

  it('stops the private NATS a run killed outright left on the store before starting its own', async () => {
    const dir = join(work, 'orphan');
    mkdirSync(join(dir, 'nats'), { recursive: true });
    // What a SIGKILLed run leaves: its server still holding the store, and a stale lock.
    const orphan = spawn(
      'nats-server',
      ['-js', '-sd', join(dir, 'nats'), '-a', '127.0.0.1', '-p', '-1', '-P', join(dir, 'nats.pid')],
      { stdio: 'ignore', detached: true },
    );
    await waitFor(async () => existsSync(join(dir, 'nats.pid')) || undefined, {
      timeoutMs: 10_000,
      what: 'the orphan server to write its pid',
    });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    writeFileSync(
      join(dir, 'lock'),
      JSON.stringify({ pid: Number(dead), command: 'tidewater up', since: new Date().toISOString() }),
    );
    const exited = new Promise((r) => orphan.once('exit', r));
    const run = await startLocal({ stateDir: dir, incremental: false });
    try {
      await exited;
      expect(run.natsPid()).not.toBe(orphan.pid);
      expect(await run.client.listTasks()).toEqual([]);
    } finally {
      orphan.kill('SIGKILL');
      await run.stop();
    }
  });
});

describe('the private NATS of a local run', () => {
  it('is restarted on its store when killed: changes written afterwards arrive without anyone restarting anything', async () => {
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      said.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      const killed = local.natsPid()!;
      process.kill(killed, 'SIGKILL');
      for (let i = 1; i <= 50; i++) await source.query(`UPDATE lr.t SET v = v + 1 WHERE id = ${i * 10}`);
      await source.query('INSERT INTO lr.t VALUES (501, 7)');
      await appliedUpToNow(local.client, 'lr', conn);
      expect(local.natsPid()).not.toBe(killed);
      expect((await local.client.getTask('lr')).stage).toBe(Stage.STAGE_INCREMENTAL);
      expect(said.join('')).toMatch(/tidewater: private NATS exited \(SIGKILL\); restarting it on the same store/);
    } finally {
      process.stderr.write = write;
    }
  });

  it('is reported lost, with the reason, when it cannot come back', async () => {
    const dir = join(work, 'doomed');
    mkdirSync(dir);
    const notices: string[] = [];
    const nats = await startLocalNats(dir, (m) => notices.push(m));
    try {
      // A configuration the server refuses: every restart exits at once.
      writeFileSync(join(dir, 'nats.conf'), 'this is { not a nats configuration\n');
      process.kill(nats.pid()!, 'SIGKILL');
      const lost = await nats.lost;
      expect(lost.code).toBe('TW_BUS_UNAVAILABLE');
      expect(lost.message).toContain('did not come back');
      expect(lost.details.fix).toContain(join(dir, 'nats.log'));
      expect(notices[0]).toContain('private NATS exited (SIGKILL); restarting it on the same store');
    } finally {
      await nats.stop();
    }
  });
});
