import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage, type TaskView } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { startLocal, type LocalRun } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';
import { churnOrders } from './testing/churn.js';
import { specText } from './testing/specs.js';
import { rowTexts as text } from './testing/compare.js';
import {
  openReleased as openWhenReleased,
  stopAndOpen as stopTaskAndOpen,
  untilStage,
  untilTask,
} from './testing/task-waits.js';

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let local: LocalRun;

beforeAll(async () => {
  stack = await startStack('tw-opt-');
  ({ db, source, work } = stack);
  local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
}, 120_000);

afterAll(async () => {
  await local?.stop();
  await stack?.stop();
});

const conn = () => ({ host: db.host, port: db.port, user: db.user, password: db.password });

const spec = (name: string, body: Record<string, unknown>): string =>
  specText(name, db, join(work, `${name}.duckdb`), body);

async function start(text: string): Promise<TaskView> {
  const t = await local.client.createTask(text);
  return (await local.client.precheckAndStart(t.taskId)).task;
}

const until = (taskId: string, stage: Stage): Promise<TaskView> => untilStage(local.client, taskId, stage);

const caughtUp = (taskId: string): Promise<TaskView> => appliedUpToNow(local.client, taskId, conn());

const openReleased = (file: string): Promise<WarehouseSession> =>
  openWhenReleased(join(work, file), { intervalMs: 100, what: `the sink to release ${file}` });
const stopAndOpen = (taskId: string): Promise<WarehouseSession> =>
  stopTaskAndOpen(local.client, taskId, join(work, `${taskId}.duckdb`), {
    intervalMs: 100,
    what: `the sink to release ${taskId}.duckdb`,
  });

const churn = (seed: number, n: number): Promise<void> => churnOrders(source, seed, n);

describe('task options end to end', () => {
  it('maps names, filters rows and applies ETL in the full copy and the change stream, and throttles on the fly', async () => {
    await source.query('CREATE DATABASE opt');
    await source.query(
      'CREATE TABLE opt.Orders (Id INT PRIMARY KEY, Status VARCHAR(20), Price DECIMAL(10,2) NOT NULL, Secret VARCHAR(20), Note VARCHAR(20))',
    );
    await source.query('CREATE TABLE opt.Customer (id INT PRIMARY KEY, name VARCHAR(40))');
    await source.query(
      `INSERT INTO opt.Orders SELECT seq, ELT(1 + seq % 6, 'new', 'paid', 'cancelled', 'CANCELLED', 'shipped', NULL), seq / 7, 'pw', 'seed' FROM opt.seq_1_to_2000`,
    );
    await source.query(`INSERT INTO opt.Customer SELECT seq, CONCAT('c', seq) FROM opt.seq_1_to_50`);
    const filter = "Status <> 'cancelled' OR Status IS NULL";
    const task = await start(
      spec('opt', {
        objects: [
          {
            database: 'opt',
            as: 'dw',
            tables: [
              {
                name: 'Orders',
                as: 'sales',
                columns: { Id: 'order_id' },
                filter,
                etl: {
                  drop: ['Secret'],
                  set: { Note: 'UPPER(Note)' },
                  add: [{ name: 'gross', type: 'decimal(12,2)', expr: 'Price * 2' }],
                },
              },
              'Customer',
            ],
          },
        ],
        mapping: { tablePrefix: 'ods_' },
        full: { chunkRows: 300, batchRows: 100, parallelChunks: 2 },
      }),
    );
    await churn(1, 300);
    await until(task.taskId, Stage.STAGE_INCREMENTAL);
    await churn(2, 300);
    await caughtUp(task.taskId);

    // Idle source, no heartbeat table: the source's binlog heartbeats keep the destination's
    // "current as of" time moving and the lag near zero.
    const asOf = (await local.client.getTask(task.taskId)).currentAsOfMs;
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = await local.client.getTask(task.taskId);
    expect(Number(idle.currentAsOfMs - asOf)).toBeGreaterThanOrEqual(1_000);
    expect(idle.lagSeconds).toBeLessThan(2);

    // Changed on the running task: the next change batches wait for the new limit.
    const limited = await local.client.setThrottle(task.taskId, {
      fullQps: 0,
      fullRps: 0,
      fullMbps: 0,
      incrementalRps: 400,
      incrementalMbps: 0,
    });
    expect(limited.throttle).toEqual({ fullQps: 0, fullRps: 0, fullMbps: 0, incrementalRps: 400, incrementalMbps: 0 });
    expect((await local.client.getTask(task.taskId)).throttle?.incrementalRps).toBe(400);
    // Services see the new limit through their KV watch.
    await new Promise((r) => setTimeout(r, 1_000));
    const began = Date.now();
    for (let i = 0; i < 8; i++) await source.query(`UPDATE opt.Customer SET name = CONCAT(name, '.') WHERE id <= 50`);
    await caughtUp(task.taskId);
    // 8 × 100 change rows (before + after images) at 400 rows/s take at least 2 s.
    expect(Date.now() - began).toBeGreaterThanOrEqual(2_000);

    const w = await stopAndOpen(task.taskId);
    try {
      const tables = text(
        await w.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'dw'`),
      );
      expect(tables).toEqual([
        'dw|ods_customer_base',
        'dw|ods_customer_log',
        'dw|ods_customer_merged',
        'dw|sales_base',
        'dw|sales_log',
        'dw|sales_merged',
      ]);
      expect(
        text(
          await w.query(
            `SELECT column_name FROM information_schema.columns WHERE table_schema = 'dw' AND table_name = 'sales_base'`,
          ),
        ),
      ).toEqual(['gross', 'note', 'order_id', 'price', 'status']);
      const want = text(
        await source.query(
          `SELECT CAST(Id AS CHAR), Status, CAST(Price AS CHAR), UPPER(Note), CAST(Price * 2 AS CHAR) FROM opt.Orders WHERE ${filter}`,
        ),
      );
      expect(want.length).toBeGreaterThan(1000);
      expect(
        text(
          await w.query(
            'SELECT CAST(order_id AS VARCHAR), status, CAST(price AS VARCHAR), note, CAST(gross AS VARCHAR) FROM dw.sales_merged',
          ),
        ),
      ).toEqual(want);
      expect(text(await w.query('SELECT CAST(id AS VARCHAR), name FROM dw.ods_customer_merged'))).toEqual(
        text(await source.query('SELECT CAST(id AS CHAR), name FROM opt.Customer')),
      );
      // The filter moved rows out (DELETE) and in (INSERT) of the log.
      expect(text(await w.query(`SELECT DISTINCT operation_flag FROM dw.sales_log`))).toEqual(['D', 'I', 'U']);
      // Nothing written to the source without the heartbeat table.
      expect(
        await source.query(`SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'tidewater'`),
      ).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('applies each capitalization policy to database, table and column names', async () => {
    await source.query('CREATE DATABASE Caps');
    await source.query('CREATE TABLE Caps.MixedCase (Id INT PRIMARY KEY, CamelCol VARCHAR(10))');
    await source.query(`INSERT INTO Caps.MixedCase VALUES (1, 'a'), (2, 'b')`);
    const names: Record<string, string[]> = {};
    for (const policy of ['dts', 'source', 'lower', 'upper']) {
      const t = await start(
        spec(`caps-${policy}`, {
          objects: [{ database: 'Caps' }],
          capitalization: policy,
          migrationTypes: ['schema', 'full'],
        }),
      );
      await until(t.taskId, Stage.STAGE_COMPLETED);
      const w = await openReleased(`caps-${policy}.duckdb`);
      try {
        names[policy] = text(
          await w.query(
            `SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns WHERE table_schema <> '_tidewater'`,
          ),
        );
        expect(
          await w.query(`SELECT count(*) FROM information_schema.tables WHERE table_schema <> '_tidewater'`),
        ).toEqual([[1n]]);
      } finally {
        await w.close();
      }
    }
    expect(names).toEqual({
      dts: ['caps.mixedcase_base.camelcol', 'caps.mixedcase_base.id'],
      source: ['Caps.MixedCase_base.CamelCol', 'Caps.MixedCase_base.Id'],
      lower: ['caps.mixedcase_base.camelcol', 'caps.mixedcase_base.id'],
      upper: ['CAPS.MIXEDCASE_base.CAMELCOL', 'CAPS.MIXEDCASE_base.ID'],
    });
  });

  it('conflictMode ignore: the full copy keeps existing destination rows, the change stream overwrites them', async () => {
    await source.query('CREATE DATABASE cm');
    await source.query('CREATE TABLE cm.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await source.query(`INSERT INTO cm.t SELECT seq, 'source' FROM cm.seq_1_to_500`);
    const pre = await WarehouseSession.open(join(work, 'cm-ignore.duckdb'));
    try {
      await pre.query('CREATE SCHEMA cm');
      await pre.query('CREATE TABLE cm.t_base (id INTEGER, v VARCHAR, mine VARCHAR)');
      await pre.query(
        `INSERT INTO cm.t_base VALUES (1, 'destination', 'kept'), (2, 'destination', 'kept'), (9999, 'only here', 'kept')`,
      );
    } finally {
      await pre.close();
    }
    const t = await local.client.createTask(
      spec('cm-ignore', { objects: [{ database: 'cm' }], conflictMode: 'ignore' }),
    );
    const checked = await local.client.runPrecheck(t.taskId);
    expect(checked.items.find((i) => i.name === 'destination.conflict')?.message).toContain('cm.t_base');
    await local.client.startTask(t.taskId, ['destination.conflict']);
    await until(t.taskId, Stage.STAGE_INCREMENTAL);
    await source.query(`UPDATE cm.t SET v = 'changed' WHERE id = 2`);
    await caughtUp(t.taskId);
    const w = await stopAndOpen(t.taskId);
    try {
      expect(await w.query('SELECT id, v, mine FROM cm.t_base WHERE id IN (1, 2, 3, 9999) ORDER BY id')).toEqual([
        [1, 'destination', 'kept'],
        [2, 'destination', 'kept'],
        [3, 'source', null],
        [9999, 'only here', 'kept'],
      ]);
      expect(await w.query('SELECT count(*) FROM cm.t_base')).toEqual([[501n]]);
      expect(await w.query('SELECT id, v FROM cm.t_merged WHERE id IN (1, 2) ORDER BY id')).toEqual([
        [1, 'destination'],
        [2, 'changed'],
      ]);
    } finally {
      await w.close();
    }
  });

  it('holds the full copy under the rows/s limit (no more than 10% above it)', async () => {
    await source.query('CREATE DATABASE th');
    await source.query('CREATE TABLE th.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await source.query(`INSERT INTO th.t SELECT seq, 'x' FROM th.seq_1_to_24000`);
    const limit = 3_000;
    const t = await local.client.createTask(
      spec('th', {
        objects: [{ database: 'th' }],
        migrationTypes: ['schema', 'full'],
        full: { chunkRows: 2_000, batchRows: 250, parallelChunks: 4 },
        throttle: { full: { rps: limit } },
      }),
    );
    expect(t.throttle?.fullRps).toBe(limit);
    await local.client.precheckAndStart(t.taskId);
    // From the start of the full stage (all chunks are read in parallel from then on) to completion.
    const began = await waitFor(
      async () => ((await local.client.getTask(t.taskId)).stage === Stage.STAGE_FULL ? Date.now() : undefined),
      { timeoutMs: 60_000, intervalMs: 10, what: 'the full stage' },
    );
    const done = await until(t.taskId, Stage.STAGE_COMPLETED);
    const rate = Number(done.tables[0]!.rowsDone) / ((Date.now() - began) / 1000);
    expect(done.tables[0]!.rowsDone).toBe(24_000n);
    // The limit is a ceiling whatever the machine does; how close below it a run gets depends
    // on the machine, so the bound here is loose and the within-10% figure comes from
    // tools/bench/options.ts (bench/results.md).
    expect(rate).toBeLessThan(limit * 1.1);
    expect(rate).toBeGreaterThan(limit * 0.5);
  });

  it('with the heartbeat table on, writes it on the source and keeps lag measured while idle', async () => {
    await source.query('CREATE DATABASE hb');
    await source.query('CREATE TABLE hb.t (id INT PRIMARY KEY)');
    await source.query('INSERT INTO hb.t VALUES (1)');
    const t = await start(spec('hb', { objects: [{ database: 'hb' }], heartbeat: { enabled: true, intervalMs: 200 } }));
    await until(t.taskId, Stage.STAGE_INCREMENTAL);
    // Idle source: only heartbeats flow. Lag stays measured (fresh) and small.
    await new Promise((r) => setTimeout(r, 2_000));
    const beats = await source.query(`SELECT beat_ms FROM tidewater.heartbeat WHERE task_id = 'hb'`);
    expect(Number(beats[0]![0])).toBeGreaterThan(Date.now() - 5_000);
    const v = await local.client.getTask(t.taskId);
    expect(v.lagSeconds).toBeLessThan(5);
    const w = await stopAndOpen(t.taskId);
    try {
      // Heartbeat rows are not migrated.
      expect(await w.query(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tidewater'`)).toEqual([
        [0n],
      ]);
    } finally {
      await w.close();
    }
  });

  it('fails the task with the cause when a service cannot start its part (heartbeat write denied after the precheck)', async () => {
    await source.query('CREATE DATABASE hbd');
    await source.query('CREATE TABLE hbd.t (id INT PRIMARY KEY)');
    await source.query(`CREATE USER 'hbu'@'%' IDENTIFIED BY 'Hb-pw-1'`);
    await source.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'hbu'@'%'`);
    await source.query(`GRANT CREATE, INSERT, UPDATE ON tidewater.* TO 'hbu'@'%'`);
    const body = { objects: [{ database: 'hbd' }], heartbeat: { enabled: true, table: 'tidewater.hb2' } };
    const t = await local.client.createTask(
      JSON.stringify({
        ...JSON.parse(spec('hbd', body)),
        source: { host: db.host, port: db.port, user: 'hbu', password: 'Hb-pw-1' },
      }),
    );
    const pre = await local.client.runPrecheck(t.taskId);
    expect(pre.items.find((i) => i.name === 'heartbeat.privileges')?.status).toBe(1);
    await source.query(`REVOKE CREATE ON tidewater.* FROM 'hbu'@'%'`);
    await local.client.startTask(
      t.taskId,
      pre.items.filter((i) => i.status === 2).map((i) => i.name),
    );
    const failed = await untilTask(local.client, t.taskId, (v) => v.stage === Stage.STAGE_FAILED, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the task to fail on the capture start error',
    });
    expect(failed.errorCode).toBe('TW_SOURCE_PRIVILEGES');
    expect(failed.errorMessage).toContain('capture/start');
  });

  it('while the sink applies nothing, lag grows and the task says since when it is blocked; both clear once it applies again', async () => {
    await source.query('CREATE DATABASE blk');
    await source.query('CREATE TABLE blk.t (id INT PRIMARY KEY, v INT)');
    await source.query('INSERT INTO blk.t SELECT seq, seq FROM blk.seq_1_to_100');
    const task = await start(spec('blk', { objects: [{ database: 'blk' }] }));
    await until(task.taskId, Stage.STAGE_INCREMENTAL);
    await caughtUp(task.taskId);
    const sink = local.supervisor.pid('sink')!;
    // A frozen sink: alive to the supervisor and the bus, committing nothing.
    process.kill(sink, 'SIGSTOP');
    try {
      await source.query('INSERT INTO blk.t SELECT seq + 1000, seq FROM blk.seq_1_to_50');
      const first = await untilTask(local.client, task.taskId, (t) => t.blockedSinceMs > 0n, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'the task to say it is blocked',
      });
      expect(first.stage).toBe(Stage.STAGE_INCREMENTAL);
      expect(first.blockedCause).toMatch(/no change applied/);
      expect(first.lagSeconds).toBeGreaterThanOrEqual(10);
      const later = await untilTask(local.client, task.taskId, (t) => t.lagSeconds >= first.lagSeconds + 2, {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: 'the lag to grow',
      });
      expect(later.blockedSinceMs).toBe(first.blockedSinceMs);
    } finally {
      process.kill(sink, 'SIGCONT');
    }
    await caughtUp(task.taskId);
    // The batch applied late measured its own lag; the next idle heartbeat brings it down.
    const flowing = await untilTask(local.client, task.taskId, (t) => t.lagSeconds < 5, {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'the lag to fall once changes flow',
    });
    expect(flowing.blockedSinceMs).toBe(0n);
    expect(flowing.changesApplied).toBeGreaterThanOrEqual(50n);
    await local.client.stopTask(task.taskId);
  });

  it('completes the full copy when a row filter or an ETL where leaves chunks empty', async () => {
    await source.query('CREATE DATABASE probe5');
    await source.query('CREATE TABLE probe5.t (id INT PRIMARY KEY, v VARCHAR(10))');
    await source.query('CREATE TABLE probe5.u (id INT PRIMARY KEY, v VARCHAR(10))');
    await source.query(`INSERT INTO probe5.t SELECT seq, 'x' FROM probe5.seq_1_to_1000`);
    await source.query(`INSERT INTO probe5.u SELECT seq, 'y' FROM probe5.seq_1_to_1000`);
    const task = await start(
      spec('probe5', {
        migrationTypes: ['schema', 'full'],
        objects: [
          {
            database: 'probe5',
            tables: [
              { name: 't', filter: 'id < 0' },
              { name: 'u', etl: { where: 'id > 500' } },
            ],
          },
        ],
        full: { chunkRows: 300, batchRows: 100 },
      }),
    );
    const done = await until(task.taskId, Stage.STAGE_COMPLETED);
    for (const t of done.tables) expect(t.chunksDone, `${t.source?.table}: every chunk committed`).toBe(t.chunksTotal);
    const w = await openReleased('probe5.duckdb');
    try {
      expect(
        await w.query(
          'SELECT (SELECT count(*) FROM probe5.probe5.t_base), (SELECT count(*) FROM probe5.probe5.u_base), (SELECT min(id) FROM probe5.probe5.u_base)',
        ),
      ).toEqual([[0n, 500n, 501]]);
    } finally {
      await w.close();
    }
  });

  it('a task deleted and created again under the same name starts over: nothing of the old one is skipped', async () => {
    await source.query('CREATE DATABASE re');
    await source.query('CREATE TABLE re.t (id INT PRIMARY KEY, v VARCHAR(10))');
    await source.query(`INSERT INTO re.t SELECT seq, 'one' FROM re.seq_1_to_1000`);
    const body = { objects: [{ database: 're' }], migrationTypes: ['schema', 'full'] };
    const first = await start(spec('re', body));
    await until(first.taskId, Stage.STAGE_COMPLETED);
    await local.client.deleteTask(first.taskId);
    await source.query(`INSERT INTO re.t SELECT seq, 'two' FROM re.seq_1001_to_1500`);
    // The old task's tables now belong to nobody the new task knows: a conflict to resolve.
    const again = await local.client.createTask(spec('re', body));
    const pre = await local.client.runPrecheck(again.taskId);
    expect(pre.items.find((i) => i.name === 'destination.conflict')).toMatchObject({
      status: 3,
      message: expect.stringContaining('re.t_base'),
    });
    await local.client.deleteTask(again.taskId);
    const adopting = await start(spec('re', { ...body, conflictMode: 'ignore' }));
    await until(adopting.taskId, Stage.STAGE_COMPLETED);
    const w = await openReleased('re.duckdb');
    try {
      expect(
        await w.query(`SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE v = 'two') FROM re.re.t_base`),
      ).toEqual([[1500n, 1500n, 500n]]);
    } finally {
      await w.close();
    }
  });
});
