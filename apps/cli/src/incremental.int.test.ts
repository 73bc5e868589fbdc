import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { startStack, type Stack } from './testing/stack.js';
import { CheckStatus, Stage, type TaskView } from '@tidewater/proto';
import { startLocal, type LocalRun } from './local-run.js';
import { sourceRows, destRows, type ColumnKind } from './testing/compare.js';
import { RandomWriter } from './testing/writer.js';
import { appliedUpToNow } from './testing/applied.js';
import { withServiceTrouble } from './testing/service-trouble.js';
import { mergeSql } from './testing/merge-sql.js';
import { specText } from './testing/specs.js';
import { openReleased, stopAndOpen, untilPaused, untilStage } from './testing/task-waits.js';
import {
  expectLogRecordsOnce,
  expectMergeEqualsSource,
  expectTableMerged,
  incSourceRows,
  INC_TABLES,
  resetIncDatabase,
} from './testing/inc-tables.js';
import { startToIncremental, withCaptureHeld } from './testing/incremental-run.js';

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;

beforeAll(async () => {
  stack = await startStack('tw-inc-');
  ({ db, source, work } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const caughtUp = (local: LocalRun, taskId: string): Promise<TaskView> =>
  withServiceTrouble(
    local,
    appliedUpToNow(local.client, taskId, { host: db.host, port: db.port, user: db.user, password: db.password }),
  );

const spec = (name: string, warehouse: string): string =>
  specText(name, db, warehouse, {
    objects: [{ database: 'inc' }],
    full: { chunkRows: 500, batchRows: 200, parallelChunks: 2 },
    incremental: { partition: ['modifytime_year', 'modifytime_month'] },
  });

describe('incremental migration', () => {
  it('keeps _base + _log merging to the source under concurrent writes, also as of a past time T', async () => {
    await resetIncDatabase(source);
    const warehouse = join(work, 'wh-inc.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-inc'), incremental: true });
    try {
      const writer = new RandomWriter(source, 12345);
      const task = await local.client.createTask(spec('inc', warehouse));
      await local.client.precheckAndStart(task.taskId);
      // Writes during the full copy: the merge must reconcile them with _base.
      await writer.run(400);
      await untilStage(local.client, task.taskId, Stage.STAGE_INCREMENTAL);
      await writer.run(400);
      // Point in time: everything so far is older than T, nothing is written until T passes.
      await new Promise((r) => setTimeout(r, 1_100));
      const T = Math.ceil(Date.now() / 1000);
      const atT = await incSourceRows(source);
      await waitFor(async () => Date.now() / 1000 >= T + 0.05, { timeoutMs: 5_000, intervalMs: 20, what: 'T to pass' });
      await writer.run(400);
      const caught = await caughtUp(local, task.taskId);
      expect(caught.lagSeconds).toBeLessThan(60);
      const w = await stopAndOpen(local.client, task.taskId, warehouse);
      try {
        await expectMergeEqualsSource(source, w);
        // inc.acct's changes were routed by row key over the task's 8 partitions, each committing
        // them under its own checkpoint (S2), and still merge to the source (above).
        const [[spread]] = (await w.query(
          `SELECT count(DISTINCT sink_partition) FROM _tidewater.log_checkpoints WHERE schema_name = 'inc' AND table_name = 'acct_log'`,
        )) as [[bigint]];
        expect(Number(spread)).toBeGreaterThanOrEqual(3);
        for (const [table, { key, cols }] of Object.entries(INC_TABLES)) {
          expect(await destRows(w, mergeSql('inc', table, key, cols, T), cols)).toEqual(atT[table]);
        }
        const [[year, month]] = (await w.query(
          `SELECT modifytime_year, modifytime_month FROM inc.acct_log LIMIT 1`,
        )) as [[string, string]];
        expect(`${year}-${month}`).toBe(new Date().toISOString().slice(0, 7));
      } finally {
        await w.close();
      }
    } finally {
      await local.stop();
    }
  });

  it('loses and duplicates nothing when capture, transform and sink are SIGKILLed during the load', async () => {
    await resetIncDatabase(source);
    const warehouse = join(work, 'wh-kill.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-kill'), incremental: true });
    try {
      const writer = new RandomWriter(source, 777);
      const task = await startToIncremental(local, spec('inckill', warehouse));
      const load = writer.run(1_500);
      for (const victim of ['capture', 'transform', 'sink', 'capture', 'sink']) {
        await new Promise((r) => setTimeout(r, 700 + Math.random() * 800));
        const pid = local.supervisor.pid(victim);
        if (pid) process.kill(pid, 'SIGKILL');
      }
      await load;
      await caughtUp(local, task.taskId);
      const w = await stopAndOpen(local.client, task.taskId, warehouse);
      try {
        await expectMergeEqualsSource(source, w);
      } finally {
        await w.close();
      }
    } finally {
      await local.stop();
    }
  });

  it('applies ADD COLUMN to _base/_log and pauses on any other DDL, naming the statement', async () => {
    await resetIncDatabase(source);
    const warehouse = join(work, 'wh-ddl.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-ddl'), incremental: true });
    try {
      const writer = new RandomWriter(source, 4242);
      const task = await startToIncremental(local, spec('incddl', warehouse));
      await writer.run(150);
      await source.query(`ALTER TABLE inc.acct ADD COLUMN tag VARCHAR(10) DEFAULT 'x'`);
      await source.query(
        `INSERT INTO inc.acct (id, balance, note, updated, tag) VALUES (9000001, 1, 'tagged', NOW(6), 'new')`,
      );
      await source.query(`UPDATE inc.acct SET tag = 'upd' WHERE id BETWEEN 10 AND 20`);
      await writer.run(150);
      await caughtUp(local, task.taskId);
      await source.query('ALTER TABLE inc.pair DROP COLUMN v');
      const paused = await untilPaused(local.client, task.taskId, 'the task to pause on DROP COLUMN');
      expect(paused.errorCode).toBe('TW_UNSUPPORTED_DDL');
      expect(paused.errorMessage).toContain('ALTER TABLE inc.pair DROP COLUMN v');
      const w = await openReleased(warehouse);
      try {
        const cols: ColumnKind[] = [...INC_TABLES.acct!.cols, { name: 'tag', kind: 'text' }];
        await expectTableMerged(source, w, 'acct', ['id'], cols);
      } finally {
        await w.close();
      }
      // Resuming meets the statement again: the task must say so (paused again, same reason),
      // never run on as "incremental, no error" while capture has stopped.
      await source.query(
        `INSERT INTO inc.acct (id, balance, note, updated, tag) VALUES (9000002, 2, 'after resume', NOW(6), 'r')`,
      );
      expect((await local.client.resumeTask(task.taskId)).stage).toBe(Stage.STAGE_INCREMENTAL);
      const again = await untilPaused(local.client, task.taskId, 'the resumed task to pause again on DROP COLUMN');
      expect(again.errorCode).toBe('TW_UNSUPPORTED_DDL');
      expect(again.errorMessage).toContain('ALTER TABLE inc.pair DROP COLUMN v');
    } finally {
      await local.stop();
    }
  });

  it('follows ADD COLUMNs in binlog order: three back to back under a running writer, DML at once, several in one statement', async () => {
    await resetIncDatabase(source);
    const warehouse = join(work, 'wh-ddlseq.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-ddlseq'), incremental: true });
    // DDL on its own session: the writer's session holds open transactions.
    const ddl = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
    try {
      const writer = new RandomWriter(source, 9091);
      const task = await startToIncremental(local, spec('incddlseq', warehouse));
      const load = writer.run(600);
      // Capture is held still (SIGSTOP) while the statements run, so it meets the first one
      // when the source already has all three columns; the writer's rows fall between them.
      await withCaptureHeld(local, async () => {
        await ddl.query('ALTER TABLE inc.acct ADD COLUMN n2 INT');
        await ddl.query('ALTER TABLE inc.acct ADD COLUMN n3 INT DEFAULT 3');
        await ddl.query('ALTER TABLE inc.acct ADD COLUMN n4 VARCHAR(8)');
        await ddl.query(`UPDATE inc.acct SET n2 = id, n4 = 'four' WHERE id BETWEEN 40 AND 60`);
      });
      await ddl.query(
        `INSERT INTO inc.acct (id, balance, note, updated, n2, n3, n4) VALUES (9100001, 1, 'ddl', NOW(6), 2, 33, 'x')`,
      );
      await ddl.query('ALTER TABLE inc.acct ADD COLUMN a INT, ADD COLUMN b INT DEFAULT 7');
      await ddl.query('UPDATE inc.acct SET a = id, b = n3 WHERE id BETWEEN 100 AND 120');
      await load;
      await caughtUp(local, task.taskId);
      // Paused while the source changes: the resumed task applies what came meanwhile.
      await local.client.pauseTask(task.taskId);
      await ddl.query('ALTER TABLE inc.acct ADD COLUMN p1 INT');
      await ddl.query('ALTER TABLE inc.acct ADD COLUMN p2 INT');
      await ddl.query(`UPDATE inc.acct SET p1 = 1, p2 = 2 WHERE id BETWEEN 200 AND 210`);
      await local.client.resumeTask(task.taskId);
      await caughtUp(local, task.taskId);
      const w = await stopAndOpen(local.client, task.taskId, warehouse);
      try {
        const cols: ColumnKind[] = [
          ...INC_TABLES.acct!.cols,
          ...['n2', 'n3', 'n4', 'a', 'b', 'p1', 'p2'].map((name): ColumnKind => ({
            name,
            kind: name === 'n4' ? 'text' : 'int',
          })),
        ];
        await expectTableMerged(source, w, 'acct', ['id'], cols);
        const pair = INC_TABLES.pair!;
        expect(await destRows(w, 'SELECT * FROM inc.pair_merged', pair.cols)).toEqual(
          await sourceRows(source, 'inc', 'pair', pair.cols),
        );
        await expectLogRecordsOnce(w, 'inc.acct_log');
      } finally {
        await w.close();
      }
    } finally {
      await ddl.close();
      await local.stop();
    }
  });

  it('pauses at an ADD COLUMN whose columns a later statement already changed, saying why', async () => {
    await resetIncDatabase(source);
    const local = await startLocal({ stateDir: join(work, 'state-ddlgone'), incremental: true });
    try {
      const task = await startToIncremental(local, spec('incddlgone', join(work, 'wh-ddlgone.duckdb')));
      // Held still, capture meets the ADD COLUMN only after the DROP ran: the source no longer
      // holds the layout of the rows that follow the ADD COLUMN in the binlog.
      await withCaptureHeld(local, async () => {
        await source.query('ALTER TABLE inc.pair ADD COLUMN z INT');
        await source.query('ALTER TABLE inc.pair DROP COLUMN v');
      });
      const paused = await untilPaused(local.client, task.taskId, 'the task to pause on the ADD COLUMN');
      expect(paused.errorCode).toBe('TW_UNSUPPORTED_DDL');
      expect(paused.errorMessage).toContain('ALTER TABLE inc.pair ADD COLUMN z INT');
      expect(paused.errorMessage).toContain('the table now has a, b, z');
    } finally {
      await local.stop();
    }
  });

  it('carries a 50,000-row UPDATE in one transaction and 20 MB rows, larger than a bus message, in the full copy and the change stream', async () => {
    const mb20 = 20 * 1024 * 1024;
    await source.query('DROP DATABASE IF EXISTS big');
    await source.query('CREATE DATABASE big');
    await source.query('CREATE TABLE big.wide (id BIGINT PRIMARY KEY, v INT NOT NULL, b LONGBLOB)');
    await source.query('INSERT INTO big.wide SELECT seq, seq, NULL FROM big.seq_1_to_50000');
    await source.query(`INSERT INTO big.wide VALUES (60001, 1, CONCAT(REPEAT('f', ${mb20}), 'full'))`);
    const warehouse = join(work, 'wh-big.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-big'), incremental: true });
    try {
      const task = await local.client.createTask(
        specText('big', db, warehouse, {
          objects: [{ database: 'big' }],
          full: { chunkRows: 25000, batchRows: 5000, parallelChunks: 2 },
        }),
      );
      const started = await local.client.precheckAndStart(task.taskId);
      expect(started.items.find((i) => i.name === 'bus.large_columns')).toMatchObject({
        status: CheckStatus.CHECK_STATUS_WARNING,
        message: expect.stringContaining('big.wide.b (longblob)'),
      });
      await untilStage(local.client, task.taskId, Stage.STAGE_INCREMENTAL);
      // One transaction of 50,000 row changes (about 8.6 MB of binlog), then 20 MB rows.
      await source.query('UPDATE big.wide SET v = v + 1 WHERE id <= 50000');
      await source.query(`INSERT INTO big.wide VALUES (60002, 2, CONCAT(REPEAT('c', ${mb20}), 'change'))`);
      await source.query('UPDATE big.wide SET v = 3 WHERE id = 60001');
      const caught = await caughtUp(local, task.taskId);
      expect(caught.retrying).toEqual([]);
      const w = await stopAndOpen(local.client, task.taskId, warehouse);
      try {
        const want = (await source.query('SELECT id, v, LENGTH(b), MD5(b) FROM big.wide ORDER BY id')).map((r) =>
          r.map(String).join('|'),
        );
        const got = (await w.query('SELECT id, v, octet_length(b), md5(b) FROM big.wide_merged ORDER BY id')).map((r) =>
          r.map(String).join('|'),
        );
        expect(got.length).toBe(50_002);
        expect(got).toEqual(want);
        // The UPDATE committed whole: 50,000 before and 50,000 after images, each once.
        expect(await w.query(`SELECT count(*) FROM big.wide_log WHERE operation_flag = 'U'`)).toEqual([[100_002n]]);
        await expectLogRecordsOnce(w, 'big.wide_log');
      } finally {
        await w.close();
      }
    } finally {
      await local.stop();
    }
  });
});
