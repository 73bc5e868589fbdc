import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { PostgresSession } from '@tidewater/postgres-sink';
import { Stage } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { startLocal, type LocalRun } from './local-run.js';
import { rowTexts as text } from './testing/compare.js';
import { expectPgLogRecordsOnce, expectPgMergeEqualsSource } from './testing/compare-pg.js';
import { PgWarehouses, pgSpecText } from './testing/pg-warehouses.js';
import { churnOrders } from './testing/churn.js';
import { resetIncDatabase } from './testing/inc-tables.js';
import { RandomWriter } from './testing/writer.js';
import { appliedUpToNow } from './testing/applied.js';
import { untilStage } from './testing/task-waits.js';

// The end-to-end suites that run against DuckDB (task-options, SIGKILL during the load), in
// brief against PostgreSQL: one MariaDB, NATS and PostgreSQL and one local run for the file,
// each task into its own database.
const PASSWORD = PgWarehouses.PASSWORD;
let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let pgs: PgWarehouses;
let local: LocalRun;
const stateDir = () => join(stack.work, 'state');

beforeAll(async () => {
  stack = await startStack('tw-pgs-');
  ({ db, source } = stack);
  pgs = await PgWarehouses.start();
  local = await startLocal({ stateDir: stateDir(), incremental: true });
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await pgs?.stop();
  await stack?.stop();
});

const caughtUp = (taskId: string, timeoutMs?: number) =>
  appliedUpToNow(
    local.client,
    taskId,
    { host: db.host, port: db.port, user: db.user, password: db.password },
    timeoutMs,
  );

async function withSession<T>(url: string, f: (s: PostgresSession) => Promise<T>): Promise<T> {
  const s = await PostgresSession.open(url);
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

describe('PostgreSQL destination under the task-option and SIGKILL suites', () => {
  it('maps names, capitalizes, filters, applies ETL, names the additional and partition columns, and writes into an existing table (conflictMode ignore)', async () => {
    await source.query('CREATE DATABASE opt');
    await source.query(
      'CREATE TABLE opt.Orders (Id INT PRIMARY KEY, Status VARCHAR(20), Price DECIMAL(10,2) NOT NULL, Secret VARCHAR(20), Note VARCHAR(20))',
    );
    await source.query('CREATE TABLE opt.Customer (id INT PRIMARY KEY, name VARCHAR(40))');
    await source.query('CREATE TABLE opt.Kept (id INT PRIMARY KEY, v VARCHAR(20))');
    await source.query(
      `INSERT INTO opt.Orders SELECT seq, ELT(1 + seq % 6, 'new', 'paid', 'cancelled', 'CANCELLED', 'shipped', NULL), seq / 7, 'pw', 'seed' FROM opt.seq_1_to_2000`,
    );
    await source.query(`INSERT INTO opt.Customer SELECT seq, CONCAT('c', seq) FROM opt.seq_1_to_50`);
    await source.query(`INSERT INTO opt.Kept SELECT seq, 'source' FROM opt.seq_1_to_500`);
    const wh = await pgs.create('tw_opt');
    // A table already there, named as the task derives it (prefix, then upper case), with a column of its own.
    await withSession(wh.plain, async (s) => {
      await s.query('CREATE SCHEMA dw');
      await s.query('CREATE TABLE dw."ODS_KEPT_base" ("ID" integer, "V" text, mine text)');
      await s.query(
        `INSERT INTO dw."ODS_KEPT_base" VALUES (1, 'destination', 'kept'), (2, 'destination', 'kept'), (9999, 'only here', 'kept')`,
      );
    });
    const filter = "Status <> 'cancelled' OR Status IS NULL";
    const orders = {
      name: 'Orders',
      as: 'sales',
      columns: { Id: 'order_id' },
      filter,
      etl: {
        drop: ['Secret'],
        set: { Note: 'UPPER(Note)' },
        add: [{ name: 'gross', type: 'decimal(12,2)', expr: 'Price * 2' }],
      },
    };
    const t = await local.client.createTask(
      pgSpecText('pgopt', db, wh.url, {
        objects: [
          { database: 'opt', as: 'dw', tables: [orders, { name: 'Customer', etl: { where: 'id > 10' } }, 'Kept'] },
        ],
        mapping: { tablePrefix: 'ods_' },
        capitalization: 'upper',
        conflictMode: 'ignore',
        incremental: { additionalColumnRule: 'new', partition: ['modifytime_year', 'modifytime_day'] },
        full: { chunkRows: 300, batchRows: 100, parallelChunks: 2 },
      }),
    );
    const checked = await local.client.runPrecheck(t.taskId);
    expect(checked.items.find((i) => i.name === 'destination.conflict')?.message).toContain('dw.ODS_KEPT_base');
    const reach = checked.items.find((i) => i.name === 'destination.connectivity')!.message;
    expect(reach).toContain(`127.0.0.1:${pgs.server.port}/tw_opt`);
    expect(reach).toMatch(/PostgreSQL \d+/);
    expect(reach).not.toContain(PASSWORD);
    await local.client.startTask(t.taskId, ['destination.conflict']);
    await churnOrders(source, 1, 300);
    await untilStage(local.client, t.taskId, Stage.STAGE_INCREMENTAL);
    await churnOrders(source, 2, 300);
    await source.query(`UPDATE opt.Kept SET v = 'changed' WHERE id = 2`);
    await caughtUp(t.taskId);
    await local.client.stopTask(t.taskId);

    await withSession(wh.plain, async (s) => {
      expect(
        text(
          await s.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'dw' AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition`),
        ),
      ).toEqual(
        ['ODS_CUSTOMER', 'ODS_KEPT', 'sales'].flatMap((t) => ['_base', '_log', '_merged'].map((x) => t + x)).sort(),
      );
      const columns = async (table: string) =>
        text(
          await s.query(
            `SELECT column_name FROM information_schema.columns WHERE table_schema = 'dw' AND table_name = '${table}'`,
          ),
        );
      expect(await columns('sales_base')).toEqual(['NOTE', 'PRICE', 'STATUS', 'gross', 'order_id']);
      const meta = ['record_id', 'operation_flag', 'utc_timestamp', 'before_flag', 'after_flag'];
      expect(await columns('sales_log')).toEqual(
        [
          'NOTE',
          'PRICE',
          'STATUS',
          'gross',
          'order_id',
          ...[...meta, 'modifytime_year', 'modifytime_day'].map((c) => `new_dts_sync_${c}`),
        ].sort(),
      );
      // Mapped, filtered and transformed, in the full copy and the change stream.
      const want = text(
        await source.query(
          `SELECT CAST(Id AS CHAR), Status, CAST(Price AS CHAR), UPPER(Note), CAST(Price * 2 AS CHAR) FROM opt.Orders WHERE ${filter}`,
        ),
      );
      expect(want.length).toBeGreaterThan(1000);
      expect(
        text(await s.query('SELECT order_id::text, "STATUS", "PRICE"::text, "NOTE", gross::text FROM dw.sales_merged')),
      ).toEqual(want);
      expect(text(await s.query('SELECT "ID"::text, "NAME" FROM dw."ODS_CUSTOMER_merged"'))).toEqual(
        text(await source.query('SELECT CAST(id AS CHAR), name FROM opt.Customer WHERE id > 10')),
      );
      // The filter moved rows out (DELETE) and in (INSERT) of the log.
      expect(text(await s.query('SELECT DISTINCT new_dts_sync_operation_flag FROM dw.sales_log'))).toEqual([
        'D',
        'I',
        'U',
      ]);
      for (const log of ['dw.sales_log', 'dw."ODS_CUSTOMER_log"', 'dw."ODS_KEPT_log"'])
        await expectPgLogRecordsOnce(s, log, 'new_dts_sync_');
      // Each change row sits in the partition of its event time (UTC), created as rows arrived.
      expect(
        await s.query(`SELECT count(*) FROM dw.sales_log WHERE
          new_dts_sync_modifytime_year <> to_char(to_timestamp(new_dts_sync_utc_timestamp) AT TIME ZONE 'UTC', 'YYYY')
          OR new_dts_sync_modifytime_day <> to_char(to_timestamp(new_dts_sync_utc_timestamp) AT TIME ZONE 'UTC', 'DD')`),
      ).toEqual([['0']]);
      const leaves = await s.query(
        `SELECT DISTINCT to_regclass('dw.sales_log__' || new_dts_sync_modifytime_year || '_' || new_dts_sync_modifytime_day) IS NOT NULL FROM dw.sales_log`,
      );
      expect(leaves).toEqual([['t']]);
      // conflictMode ignore: the full copy kept the rows already there, the change stream overwrote.
      expect(
        await s.query('SELECT "ID", "V", mine FROM dw."ODS_KEPT_base" WHERE "ID" IN (1, 2, 3, 9999) ORDER BY 1'),
      ).toEqual([
        ['1', 'destination', 'kept'],
        ['2', 'destination', 'kept'],
        ['3', 'source', null],
        ['9999', 'only here', 'kept'],
      ]);
      expect(await s.query('SELECT count(*) FROM dw."ODS_KEPT_base"')).toEqual([['501']]);
      expect(await s.query('SELECT "ID", "V" FROM dw."ODS_KEPT_merged" WHERE "ID" IN (1, 2) ORDER BY 1')).toEqual([
        ['1', 'destination'],
        ['2', 'changed'],
      ]);
    });
    // The sink names the database it writes (without the password); no service log holds the password.
    const logs = join(stateDir(), 'logs');
    expect(readFileSync(join(logs, 'sink.log'), 'utf8')).toContain(wh.plain.replace(/^postgres:\/\/[^@]*@/, ''));
    for (const f of readdirSync(logs)) expect(readFileSync(join(logs, f), 'utf8'), f).not.toContain(PASSWORD);
  });

  it('loses and duplicates nothing when capture, transform and sink are each SIGKILLed during a full + incremental load', async () => {
    await resetIncDatabase(source);
    // A longer, paced copy (20,000 rows in 40 chunks) so that kills land in the middle of it.
    await source.query(
      `INSERT INTO inc.acct SELECT seq, seq / 10, CONCAT('seed ', seq), '2024-01-01 00:00:00.5' FROM inc.seq_3001_to_20000`,
    );
    const wh = await pgs.create('tw_kill');
    const created = await local.client.createTask(
      pgSpecText('pgkill', db, wh.url, {
        objects: [{ database: 'inc' }],
        full: { chunkRows: 500, batchRows: 250, parallelChunks: 2 },
        throttle: { full: { rps: 2_000 } },
        incremental: { partition: ['modifytime_year', 'modifytime_month'] },
      }),
    );
    const task = created.taskId;
    await local.client.precheckAndStart(task);
    const writer = new RandomWriter(source, 4711);
    const stopWriting = new AbortController();
    const writing = writer.run(1_000_000, stopWriting.signal);
    const rowsDone = async () => {
      const t = await local.client.getTask(task);
      return { stage: t.stage, rows: t.tables.reduce((n, x) => n + Number(x.rowsDone), 0) };
    };
    const untilRows = (n: number) =>
      waitFor(async () => (await rowsDone()).rows >= n, {
        timeoutMs: 120_000,
        intervalMs: 100,
        what: `${n} rows copied`,
      });
    /** SIGKILL, then wait for the supervisor to start the service again. */
    const kill = async (victim: 'capture' | 'transform' | 'sink') => {
      const pid = local.supervisor.pid(victim)!;
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => (local.supervisor.pid(victim) ?? pid) !== pid, {
        timeoutMs: 30_000,
        what: `${victim} restarted`,
      });
    };
    try {
      await untilRows(3_000);
      await kill('capture');
      await untilRows(7_000);
      expect((await rowsDone()).stage, 'the sink dies mid-copy').toBe(Stage.STAGE_FULL);
      await kill('sink');
      await untilStage(local.client, task, Stage.STAGE_INCREMENTAL);
      await kill('transform');
      // Changes keep flowing through the restarted transform before the writer stops.
      await caughtUp(task, 180_000);
    } finally {
      stopWriting.abort();
      await writing;
    }
    await caughtUp(task, 180_000);
    await withSession(wh.plain, (s) => expectPgMergeEqualsSource(source, s));
    await local.client.stopTask(task);
  });
});
