import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startMariaDb,
  startMariaDbReplica,
  startNats,
  type MariaDbReplica,
  type MariaDbServer,
  type NatsServer,
} from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { Stage } from '@tidewater/proto';
import { startLocal, type LocalRun } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';
import { withServiceTrouble } from './testing/service-trouble.js';
import { specText } from './testing/specs.js';
import { RandomWriter } from './testing/writer.js';
import { expectLogRecordsOnce, expectMergeEqualsSource, INC_TABLES, resetIncDatabase } from './testing/inc-tables.js';
import { destRows, sourceRows } from './testing/compare.js';
import { startToIncremental } from './testing/incremental-run.js';
import { openReleased, stopAndOpen, untilStage, untilTask } from './testing/task-waits.js';

// One task lives through both tests: a failover to the replica, then a RESET MASTER on it.
let primary: MariaDbServer;
let replica: MariaDbReplica;
let nats: NatsServer;
let work: string;
let local: LocalRun;
let taskId: string;
let onReplica: SourceClient;

const conn = (s: MariaDbServer) => ({ host: s.host, port: s.port, user: s.user, password: s.password });
const warehouse = () => join(work, 'failover.duckdb');
const spec = (s: MariaDbServer) =>
  specText('failover', s, warehouse(), { objects: [{ database: 'inc' }], full: { chunkRows: 500 } });
/** Applied up to the source's binlog end now, in the task's epoch (F1: 1 after the failover, 2 after the reset). */
const caughtUp = (s: MariaDbServer, epoch: number) =>
  withServiceTrouble(local, appliedUpToNow(local.client, taskId, conn(s), 180_000, epoch));

beforeAll(async () => {
  [primary, nats] = await Promise.all([startMariaDb(), startNats()]);
  replica = await startMariaDbReplica(primary);
  process.env.TIDEWATER_NATS_URL = nats.url;
  work = mkdtempSync(join(tmpdir(), 'tw-failover-'));
  local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await onReplica?.close();
  await replica?.stop();
  await primary?.stop();
  await nats?.stop();
  if (work && !process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
});

describe('source failover and binlog reset (F1)', () => {
  it('follows a paused task pointed at the promoted replica by GTID: nothing lost, nothing twice', async () => {
    const onPrimary = await openSource(conn(primary));
    try {
      await resetIncDatabase(onPrimary);
      taskId = (await startToIncremental(local, spec(primary))).taskId;
      // Capture streams while this writes; the primary stops once the replica has it all.
      await new RandomWriter(onPrimary, 1301).run(300);
      await replica.waitCaughtUp(60_000);
    } finally {
      await onPrimary.close();
    }
    await primary.halt!('graceful');
    await local.client.pauseTask(taskId);
    await replica.promote();
    const { changed } = await local.client.updateTask(taskId, spec(replica));
    expect(changed).toContain('source.port');
    onReplica = await openSource(conn(replica));
    await new RandomWriter(onReplica, 1302, 2_000_000).run(200);
    expect((await local.client.resumeTask(taskId)).stage).toBe(Stage.STAGE_INCREMENTAL);
    await new RandomWriter(onReplica, 1303, 3_000_000).run(200);
    await caughtUp(replica, 1);
    await local.client.pauseTask(taskId);
    const w = await openReleased(warehouse(), { intervalMs: 100, what: 'the paused task to release the warehouse' });
    try {
      await expectMergeEqualsSource(onReplica, w);
      // The replica's changes went on under the next epoch: their ids lie above all earlier ones.
      const [[epochs]] = (await w.query('SELECT count(DISTINCT record_id >> 52) FROM inc.acct_log')) as [[bigint]];
      expect(Number(epochs)).toBe(2);
    } finally {
      await w.close();
    }
  });

  it('fails clearly after RESET MASTER instead of skipping, and resync --all recovers under a new epoch', async () => {
    expect((await local.client.resumeTask(taskId)).stage).toBe(Stage.STAGE_INCREMENTAL);
    await new RandomWriter(onReplica, 1304, 4_000_000).run(100);
    await caughtUp(replica, 1);
    await local.client.pauseTask(taskId);
    await onReplica.query('RESET MASTER');
    await new RandomWriter(onReplica, 1305, 5_000_000).run(100);
    await local.client.resumeTask(taskId);
    const failed = await untilTask(local.client, taskId, (t) => t.stage === Stage.STAGE_FAILED, {
      timeoutMs: 60_000,
      what: 'the task to fail',
    });
    expect(failed.errorCode).toBe('TW_BINLOG_RESET');
    expect(failed.errorMessage).toContain('reset');
    await local.client.resyncTable(taskId, '');
    await untilStage(local.client, taskId, Stage.STAGE_INCREMENTAL);
    await new RandomWriter(onReplica, 1306, 6_000_000).run(100);
    await untilTask(local.client, taskId, (t) => t.tables.every((x) => !x.resync && (x.resyncedGeneration ?? 0) >= 1), {
      timeoutMs: 120_000,
      what: 'the resync to complete',
    });
    await caughtUp(replica, 2);
    const w = await stopAndOpen(local.client, taskId, warehouse(), { intervalMs: 100, what: 'the warehouse' });
    try {
      // After a resync `_merged` is the merge: it hides `_log` rows below the copy's watermark (R1).
      for (const [table, { cols }] of Object.entries(INC_TABLES)) {
        expect(await destRows(w, `SELECT * FROM inc.${table}_merged`, cols)).toEqual(
          await sourceRows(onReplica, 'inc', table, cols),
        );
        await expectLogRecordsOnce(w, `inc.${table}_log`);
      }
    } finally {
      await w.close();
    }
  });
});
