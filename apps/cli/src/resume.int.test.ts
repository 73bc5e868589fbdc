import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariaDb, startNats, waitFor, type MariaDbServer, type NatsServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { connectBus, type Bus } from '@tidewater/bus';
import { TaskStore } from '@tidewater/task-state';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage } from '@tidewater/proto';
import { currentBinlogPosition } from '@tidewater/binlog';
import { startLocal } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';

const cli = fileURLToPath(new URL('../../../bin/tidewater', import.meta.url));

let db: MariaDbServer;
let nats: NatsServer;
let source: SourceClient;
let bus: Bus;
let work: string;

beforeAll(async () => {
  [db, nats] = await Promise.all([startMariaDb(), startNats()]);
  source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  bus = await connectBus(nats.url, 'resume-test');
  work = mkdtempSync(join(tmpdir(), 'tw-resume-'));
  await source.query('CREATE DATABASE r');
  await source.query('CREATE TABLE r.t (id INT PRIMARY KEY, v VARCHAR(10))');
  await source.query(`INSERT INTO r.t SELECT seq, 'seed' FROM r.seq_1_to_5000`);
}, 120_000);

afterAll(async () => {
  await bus?.close();
  await source?.close();
  await nats?.stop();
  await db?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs `tidewater migrate` until `until` holds, then interrupts it like Ctrl-C. */
async function migrateUntil(specFile: string, until: () => Promise<boolean>): Promise<number | null> {
  const child = spawn(cli, ['migrate', '-f', specFile, '--state-dir', join(work, 'state')], {
    env: { ...process.env, TIDEWATER_NATS_URL: nats.url },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(until, { timeoutMs: 120_000, intervalMs: 250, what: 'the migrate condition' });
  child.kill('SIGINT');
  return exited;
}

describe('tidewater migrate with incremental', () => {
  it('exits 0 on SIGINT and continues from where it stopped when run again', async () => {
    const specFile = join(work, 'task.yaml');
    writeFileSync(
      specFile,
      JSON.stringify({
        name: 'resume',
        source: { host: db.host, port: db.port, user: db.user, password: db.password },
        destination: { type: 'duckdb', path: join(work, 'wh-r.duckdb') },
        migrationTypes: ['schema', 'full', 'incremental'],
        objects: [{ database: 'r' }],
        full: { chunkRows: 1000 },
      }),
    );
    const store = await TaskStore.open(bus);
    const stage = async () => (await store.get('resume'))?.state.stage;
    expect(await migrateUntil(specFile, async () => (await stage()) === Stage.STAGE_INCREMENTAL)).toBe(0);
    // Stopped by Ctrl-C, the task keeps its stage; nothing runs while the CLI is away.
    expect(await stage()).toBe(Stage.STAGE_INCREMENTAL);
    await source.query(`INSERT INTO r.t VALUES (9001, 'while away')`);
    await source.query(`UPDATE r.t SET v = 'changed' WHERE id = 1`);
    const rowsAfterFirstRun = (await store.get('resume'))!.state.tables[0]!.rowsDone;
    const end = await currentBinlogPosition({ host: db.host, port: db.port, user: db.user, password: db.password });
    const code = await migrateUntil(specFile, async () => {
      const applied = (await store.get('resume'))?.state.appliedPosition;
      return !!applied && applied.token >= end.token;
    });
    expect(code).toBe(0);
    // The full copy was not redone: the copy counters are where the first run left them.
    expect((await store.get('resume'))!.state.tables[0]!.rowsDone).toBe(rowsAfterFirstRun);
    const w = await WarehouseSession.open(join(work, 'wh-r.duckdb'));
    try {
      expect(await w.query('SELECT count(*) FROM r.t_base')).toEqual([[5000n]]);
      expect(await w.query(`SELECT v FROM r.t_merged WHERE id IN (1, 9001) ORDER BY id`)).toEqual([
        ['changed'],
        ['while away'],
      ]);
    } finally {
      await w.close();
    }
  });

  it('fails at once with TW_BINLOG_PURGED and the fix when the binlog it stopped at was purged meanwhile', async () => {
    const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
    await source.query('CREATE DATABASE p');
    await source.query('CREATE TABLE p.t (id INT PRIMARY KEY, v INT)');
    await source.query('INSERT INTO p.t SELECT seq, 0 FROM p.seq_1_to_100');
    process.env.TIDEWATER_NATS_URL = nats.url;
    const stateDir = join(work, 'state-purged');
    // The binlog file the task starts and stops in (nothing rotates it meanwhile).
    const stoppedAt = await currentBinlogPosition(conn);
    const first = await startLocal({ stateDir, incremental: true });
    try {
      const created = await first.client.createTask(
        JSON.stringify({
          name: 'purged',
          source: conn,
          destination: { type: 'duckdb', path: join(work, 'wh-p.duckdb') },
          migrationTypes: ['schema', 'full', 'incremental'],
          objects: [{ database: 'p' }],
        }),
      );
      await first.client.precheckAndStart(created.taskId);
      await appliedUpToNow(first.client, 'purged', conn);
    } finally {
      await first.stop();
    }
    // While the task is away, the source writes on and drops the binlog the task stopped in.
    await source.query('INSERT INTO p.t VALUES (101, 1)');
    await source.query('FLUSH BINARY LOGS');
    const newest = await currentBinlogPosition(conn);
    // The source keeps a file a replica still reads: the stopped capture's dump thread ends
    // only when the server next writes to its socket.
    await waitFor(
      async () => {
        await source.query(`PURGE BINARY LOGS TO '${newest.file}'`);
        return !(await source.query('SHOW BINARY LOGS')).some((r) => r[0] === stoppedAt.file);
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `the source to purge ${stoppedAt.file}` },
    );
    const second = await startLocal({ stateDir, incremental: true });
    try {
      const failed = await waitFor(
        async () => {
          const t = await second.client.getTask('purged');
          return t.stage === Stage.STAGE_FAILED ? t : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the task to fail' },
      );
      expect(failed.errorCode).toBe('TW_BINLOG_PURGED');
      expect(failed.errorMessage).toContain(stoppedAt.file);
      expect(failed.errorMessage).toMatch(/fix: .*tidewater task resync ID --all.*recreate the task.*retention/s);
    } finally {
      await second.stop();
    }
    // One attempt: capture did not go on retrying a gap that cannot close. (The first test's
    // task, on the same source and bus, lost its binlog too: its lines are not counted.)
    const captureLog = readFileSync(join(stateDir, 'logs', 'capture.log'), 'utf8');
    expect(
      captureLog.split('\n').filter((l) => l.includes('binlog stream interrupted') && l.includes('"task":"purged"'))
        .length,
    ).toBe(1);
  });
});
