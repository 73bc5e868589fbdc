import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startPostgres, type MariaDbServer, type PostgresServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { PostgresSession } from '@tidewater/postgres-sink';
import { Stage, type TaskView } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { migrate } from './commands/migrate.js';
import { startLocal } from './local-run.js';
import { sourceRows } from './testing/compare.js';
import { pgRows, expectPgMergeEqualsSource } from './testing/compare-pg.js';
import { TYPES_DDL, TYPE_COLS, TYPE_ROWS } from './testing/all-types.js';
import { resetIncDatabase } from './testing/inc-tables.js';
import { RandomWriter } from './testing/writer.js';
import { appliedUpToNow } from './testing/applied.js';
import { untilStage } from './testing/task-waits.js';

// `tidewater migrate` and the services with a PostgreSQL destination: one MariaDB, one NATS and
// one PostgreSQL for the file, each task into its own database.
const PASSWORD = 'pg-Secret-pw';
let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let pg: PostgresServer;
let admin: PostgresSession;

beforeAll(async () => {
  stack = await startStack('tw-pg-');
  ({ db, source, work } = stack);
  pg = await startPostgres();
  admin = await PostgresSession.open(pg.url);
  await source.query(`SET SESSION sql_mode = ''`);
  await source.query('CREATE DATABASE fid CHARACTER SET utf8mb4');
  await source.query(TYPES_DDL);
  await source.query(`INSERT INTO fid.all_types VALUES ${TYPE_ROWS.join(',')}`);
}, 180_000);

afterAll(async () => {
  await admin?.close();
  await pg?.stop();
  await stack?.stop();
});

/** A new database on the test server, and its URL with a password (the test server trusts every login). */
async function warehouse(name: string): Promise<{ url: string; plain: string }> {
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(pg.url);
  u.pathname = `/${name}`;
  const plain = u.toString();
  u.password = PASSWORD;
  return { url: u.toString(), plain };
}

function spec(name: string, url: string, body: Record<string, unknown>): string {
  return JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'postgres', url },
    ...body,
  });
}

describe('PostgreSQL destination', () => {
  it('tidewater migrate copies every type exactly into PostgreSQL', async () => {
    const wh = await warehouse('tw_full');
    const { task } = await migrate({
      specText: spec('pgfull', wh.url, { objects: [{ database: 'fid' }], migrationTypes: ['schema', 'full'] }),
      stateDir: join(work, 'state-full'),
      json: true,
    });
    expect(task.stage).toBe(Stage.STAGE_COMPLETED);
    const s = await PostgresSession.open(wh.plain);
    try {
      expect(await pgRows(s, 'SELECT * FROM fid.all_types_base', TYPE_COLS)).toEqual(
        await sourceRows(source, 'fid', 'all_types', TYPE_COLS),
      );
      // Zero dates have no PostgreSQL date/timestamp: NULL in native mode (docs/type-mapping.md).
      expect(await s.query('SELECT dt IS NULL, dtm IS NULL FROM fid.all_types_base WHERE id = 4')).toEqual([
        ['t', 't'],
      ]);
    } finally {
      await s.close();
    }
  });

  it('full + incremental under a random writer: _merged equals the source value by value, no _log duplicate', async () => {
    await resetIncDatabase(source);
    const wh = await warehouse('tw_inc');
    const local = await startLocal({ stateDir: join(work, 'state-inc'), incremental: true });
    try {
      const writer = new RandomWriter(source, 2024);
      const created = await local.client.createTask(
        spec('pginc', wh.url, {
          migrationTypes: ['schema', 'full', 'incremental'],
          objects: [{ database: 'inc' }, { database: 'fid' }],
          full: { chunkRows: 500, batchRows: 200, parallelChunks: 2 },
          incremental: { partition: ['modifytime_year', 'modifytime_month'] },
        }),
      );
      await local.client.precheckAndStart(created.taskId);
      // Writes during the full copy (PK-changing updates, multi-statement transactions among them).
      await writer.run(300);
      await untilStage(local.client, created.taskId, Stage.STAGE_INCREMENTAL);
      await writer.run(500);
      await source.query(
        `UPDATE fid.all_types SET vc = CONCAT(vc, ' ✓'), d65 = -d65, b64 = b'1010' WHERE id IN (1, 2)`,
      );
      await source.query(`DELETE FROM fid.all_types WHERE id = 3`);
      const caught: TaskView = await appliedUpToNow(local.client, created.taskId, {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
      });
      // The task as listed names the database, never the password.
      expect(caught.redactedSpecJson).not.toContain(PASSWORD);
      expect(JSON.parse(caught.redactedSpecJson).destination).toMatchObject({ url: wh.plain, password: '***' });
      const s = await PostgresSession.open(wh.plain);
      try {
        await expectPgMergeEqualsSource(source, s);
        expect(await pgRows(s, 'SELECT * FROM fid.all_types_merged', TYPE_COLS)).toEqual(
          await sourceRows(source, 'fid', 'all_types', TYPE_COLS),
        );
        // The _log is partitioned by month, created as changes arrived.
        const month = new Date().toISOString().slice(0, 7).replace('-', '_');
        expect(await s.query(`SELECT to_regclass('inc.acct_log__${month}') IS NOT NULL`)).toEqual([['t']]);
      } finally {
        await s.close();
      }
      // Final: the next local run on this NATS does not resume it.
      await local.client.stopTask(created.taskId);
    } finally {
      await local.stop();
    }
  });

  it('two sink processes write one PostgreSQL database at once, never one partition together', async () => {
    await resetIncDatabase(source);
    const wh = await warehouse('tw_two');
    const local = await startLocal({ stateDir: join(work, 'state-two'), incremental: true, sinks: 2 });
    try {
      const writer = new RandomWriter(source, 99);
      const created = await local.client.createTask(
        spec('pgtwo', wh.url, {
          migrationTypes: ['schema', 'full', 'incremental'],
          objects: [{ database: 'inc' }],
          full: { chunkRows: 500, batchRows: 200, parallelChunks: 2 },
        }),
      );
      await local.client.precheckAndStart(created.taskId);
      await writer.run(200);
      await untilStage(local.client, created.taskId, Stage.STAGE_INCREMENTAL);
      await writer.run(400);
      await appliedUpToNow(local.client, created.taskId, {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
      });
      const s = await PostgresSession.open(wh.plain);
      try {
        await expectPgMergeEqualsSource(source, s);
        // Both sinks wrote; the spans of the lease epochs of one partition never overlap (P3).
        expect(Number((await s.query('SELECT count(DISTINCT sink_id) FROM _tidewater.partition_writes'))[0]![0])).toBe(
          2,
        );
        expect(
          await s.query(`SELECT a.sink_partition FROM _tidewater.partition_writes a JOIN _tidewater.partition_writes b
            USING (task_id, sink_partition) WHERE a.epoch < b.epoch AND a.last_at >= b.first_at`),
        ).toEqual([]);
      } finally {
        await s.close();
      }
    } finally {
      await local.stop();
    }
  });
});
