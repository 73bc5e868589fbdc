import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { SourceClient } from '@tidewater/mysql-source';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage, type TaskView } from '@tidewater/proto';
import type { LocalRun } from './local-run.js';
import { churnOrders } from './testing/churn.js';
import { rowTexts as text } from './testing/compare.js';
import { LocalTasks } from './testing/local-tasks.js';

// What a task spec shapes: names, row filters, ETL, capitalization, and what becomes of tables
// already in the destination. Rate limits, heartbeats and lag: task-flow.int.test.ts.

let tasks: LocalTasks;
let source: SourceClient;
let work: string;
let local: LocalRun;

beforeAll(async () => {
  tasks = await LocalTasks.start('tw-opt-');
  ({ local } = tasks);
  ({ source, work } = tasks.stack);
}, 120_000);

afterAll(() => tasks?.stop());

const spec = (name: string, body: Record<string, unknown>): string => tasks.spec(name, body);
const start = (text: string): Promise<TaskView> => tasks.start(text);
const until = (taskId: string, stage: Stage): Promise<TaskView> => tasks.until(taskId, stage);
const caughtUp = (taskId: string): Promise<TaskView> => tasks.caughtUp(taskId);
const openReleased = (file: string): Promise<WarehouseSession> => tasks.openReleased(file);
const stopAndOpen = (taskId: string): Promise<WarehouseSession> => tasks.stopAndOpen(taskId);

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
