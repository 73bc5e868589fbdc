import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { currentBinlogPosition } from '@tidewater/binlog';
import { Stage, type TaskView } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { startLocal, type LocalRun } from './local-run.js';
import { RandomWriter } from './testing/writer.js';
import { appliedUpToNow } from './testing/applied.js';
import { specText } from './testing/specs.js';
import { destRows, sourceRows } from './testing/compare.js';
import { openReleased, stopAndOpen, untilStage, untilTask } from './testing/task-waits.js';
import { expectLogRecordsOnce, INC_TABLES, resetIncDatabase } from './testing/inc-tables.js';
import { startToIncremental } from './testing/incremental-run.js';
import type { WarehouseSession } from '@tidewater/duckdb-sink';

const cli = fileURLToPath(new URL('../../../bin/tidewater', import.meta.url));

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;

beforeAll(async () => {
  stack = await startStack('tw-resync-');
  ({ db, source, work } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const conn = () => ({ host: db.host, port: db.port, user: db.user, password: db.password });

const spec = (name: string, warehouse: string): string =>
  specText(name, db, warehouse, {
    objects: [{ database: 'inc' }],
    full: { chunkRows: 500, batchRows: 200, parallelChunks: 2 },
  });

/** `_merged` of every `inc` table equals the source value by value, and no `_log` record is there twice. */
async function expectMergedEqualsSource(w: WarehouseSession): Promise<void> {
  for (const [table, { cols }] of Object.entries(INC_TABLES)) {
    expect(await destRows(w, `SELECT * FROM inc.${table}_merged`, cols)).toEqual(
      await sourceRows(source, 'inc', table, cols),
    );
    await expectLogRecordsOnce(w, `inc.${table}_log`);
  }
}

/** The task once no table is being resynced and each of `tables` completed generation `generation`. */
const untilResynced = (local: LocalRun, taskId: string, tables: string[], generation: number): Promise<TaskView> =>
  untilTask(
    local.client,
    taskId,
    (t) => {
      if (t.stage === Stage.STAGE_FAILED) throw new Error(`task ${taskId} failed: ${t.errorMessage}`);
      return t.tables.every(
        (x) => !x.resync && (!tables.includes(x.source!.table) || x.resyncedGeneration === generation),
      );
    },
    { timeoutMs: 180_000, intervalMs: 200, what: `the resync of ${tables.join(', ')} to complete` },
  );

describe('resync', () => {
  it('copies one table again under a random writer and repairs a _base that diverged unseen', async () => {
    await resetIncDatabase(source);
    const warehouse = join(work, 'wh-one.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-one'), incremental: true });
    try {
      const writer = new RandomWriter(source, 4242);
      const task = await startToIncremental(local, spec('resync-one', warehouse));
      await writer.run(300);
      // Changes the task cannot see: a session that does not write the binlog.
      const hidden = await openSource(conn(), { poolSize: 1 });
      try {
        await hidden.query('SET SESSION sql_log_bin = 0');
        expect(Number((await hidden.query('SELECT @@session.sql_log_bin'))[0]![0])).toBe(0);
        await hidden.query(`UPDATE inc.acct SET note = 'unseen' WHERE id BETWEEN 2001 AND 2200`);
        await hidden.query('DELETE FROM inc.acct WHERE id BETWEEN 2201 AND 2250');
        await hidden.query(`INSERT INTO inc.acct SELECT 5000000 + seq, 1, 'unseen', NULL FROM inc.seq_1_to_40`);
      } finally {
        await hidden.close();
      }
      await appliedUpToNow(local.client, task.taskId, conn());
      // The warehouse diverged: caught up, its merge still differs from the source.
      await local.client.pauseTask(task.taskId);
      const before = await openReleased(warehouse);
      try {
        const { cols } = INC_TABLES.acct!;
        expect(await destRows(before, 'SELECT * FROM inc.acct_merged', cols)).not.toEqual(
          await sourceRows(source, 'inc', 'acct', cols),
        );
      } finally {
        await before.close();
      }
      await local.client.resumeTask(task.taskId);
      await untilStage(local.client, task.taskId, Stage.STAGE_INCREMENTAL);

      const load = writer.run(1_200);
      const { stdout } = await promisify(execFile)(cli, [
        'task',
        'resync',
        task.taskId,
        'inc.acct',
        '--json',
        '--grpc',
        local.grpcAddress,
      ]);
      const started = JSON.parse(stdout) as {
        tables: { source: { table: string }; resync?: { generation: number } }[];
      };
      expect(started.tables.find((t) => t.source.table === 'acct')?.resync?.generation).toBe(1);
      expect(started.tables.find((t) => t.source.table === 'pair')?.resync).toBeUndefined();
      // A second request while it runs is refused, naming the table.
      await expect(local.client.resyncTable(task.taskId, 'inc.acct')).rejects.toThrow(/being resynced already/);
      await expect(local.client.resyncTable(task.taskId, 'inc.nope')).rejects.toThrow(
        /does not migrate table inc.nope/,
      );
      await untilResynced(local, task.taskId, ['acct'], 1);
      await load;
      await writer.run(200);
      await appliedUpToNow(local.client, task.taskId, conn());
      const w = await stopAndOpen(local.client, task.taskId, warehouse);
      try {
        await expectMergedEqualsSource(w);
        expect(await w.query(`SELECT schema_name, table_name, generation FROM _tidewater.resyncs`)).toEqual([
          ['inc', 'acct', 1],
        ]);
        expect(
          await w.query(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'acct_base__resync1'`),
        ).toEqual([[0n]]);
      } finally {
        await w.close();
      }
    } finally {
      await local.stop();
    }
  });

  it('recovers a task whose binlog was purged: TW_BINLOG_PURGED, resync --all, incremental again', async () => {
    await resetIncDatabase(source);
    const warehouse = join(work, 'wh-purged.duckdb');
    const stateDir = join(work, 'state-purged');
    const writer = new RandomWriter(source, 99);
    const first = await startLocal({ stateDir, incremental: true });
    let taskId: string;
    try {
      taskId = (await startToIncremental(first, spec('resync-purged', warehouse))).taskId;
      await writer.run(200);
      await appliedUpToNow(first.client, taskId, conn());
    } finally {
      await first.stop();
    }
    const stoppedAt = await currentBinlogPosition(conn());
    // While the task is away the source writes on and drops the binlog the task stopped in.
    await writer.run(200);
    await source.query('FLUSH BINARY LOGS');
    const newest = await currentBinlogPosition(conn());
    await waitFor(
      async () => {
        await source.query(`PURGE BINARY LOGS TO '${newest.file}'`);
        return !(await source.query('SHOW BINARY LOGS')).some((r) => r[0] === stoppedAt.file);
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `the source to purge ${stoppedAt.file}` },
    );
    const second = await startLocal({ stateDir, incremental: true });
    try {
      const failed = await untilTask(second.client, taskId, (t) => t.stage === Stage.STAGE_FAILED, {
        timeoutMs: 60_000,
        what: 'the task to fail',
      });
      expect(failed.errorCode).toBe('TW_BINLOG_PURGED');
      expect(failed.errorMessage).toMatch(/tidewater task resync ID --all/);
      await expect(second.client.resyncTable(taskId, 'inc.acct')).rejects.toThrow(/--all/);

      const resumed = await second.client.resyncTable(taskId, '');
      expect(resumed.stage).toBe(Stage.STAGE_INCREMENTAL);
      expect(resumed.errorCode).toBe('');
      expect(resumed.tables.map((t) => t.resync?.generation)).toEqual([1, 1]);
      const load = writer.run(600);
      await untilResynced(second, taskId, ['acct', 'pair'], 1);
      await load;
      // The recovery started epoch 1 (F1): the position to reach is in it.
      await appliedUpToNow(second.client, taskId, conn(), 120_000, 1);
      const w = await stopAndOpen(second.client, taskId, warehouse);
      try {
        await expectMergedEqualsSource(w);
      } finally {
        await w.close();
      }
    } finally {
      await second.stop();
    }
  });
});
