import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { startStack, type Stack } from './testing/stack.js';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage, type TaskView } from '@tidewater/proto';
import { startLocal } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;

beforeAll(async () => {
  stack = await startStack('tw-ctl-');
  ({ db, source, work } = stack);
  await source.query('CREATE DATABASE c');
  await source.query('CREATE TABLE c.t (id INT PRIMARY KEY, v VARCHAR(20))');
  await source.query(`INSERT INTO c.t SELECT seq, 'seed' FROM c.seq_1_to_100000`);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const spec = (name: string, warehouse: string, types: string[], chunkRows = 2_000) =>
  JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'duckdb', path: warehouse },
    migrationTypes: types,
    objects: [{ database: 'c' }],
    full: { chunkRows, batchRows: 500, parallelChunks: 1 },
  });

describe('control plane over gRPC, services as separate processes', () => {
  it('drives a task: create → precheck → start → watch → pause → resume → stop', async () => {
    const local = await startLocal({ stateDir: join(work, 'state-a'), incremental: true });
    const watching = new AbortController();
    try {
      const c = local.client;
      const created = await c.createTask(spec('ctl', join(work, 'wh-a.duckdb'), ['schema', 'full', 'incremental']));
      await expect(c.startTask(created.taskId)).rejects.toMatchObject({ code: 'TW_TASK_STATE' });
      const pre = await c.runPrecheck(created.taskId);
      expect(pre.passed).toBe(true);
      expect(pre.items.map((i) => i.name)).toEqual(
        expect.arrayContaining([
          'source.connectivity',
          'source.privileges',
          'binlog.format',
          'binlog.row_image',
          'objects',
          'bus.connectivity',
          'bus.max_payload',
        ]),
      );
      const seen: TaskView[] = [];
      void c.watchTask(created.taskId, (t) => seen.push(t), watching.signal);
      await c.startTask(
        created.taskId,
        pre.items.filter((i) => i.status === 2).map((i) => i.name),
      );
      await waitFor(async () => seen.some((t) => t.stage === Stage.STAGE_INCREMENTAL), {
        timeoutMs: 120_000,
        what: 'WatchTask to report the incremental stage',
      });
      const stages = [...new Set(seen.map((t) => t.stage))];
      expect(stages).toEqual(expect.arrayContaining([Stage.STAGE_SCHEMA, Stage.STAGE_FULL, Stage.STAGE_INCREMENTAL]));

      expect((await c.pauseTask(created.taskId)).stage).toBe(Stage.STAGE_PAUSED);
      await source.query(`UPDATE c.t SET v = 'while paused' WHERE id = 7`);
      expect((await c.resumeTask(created.taskId)).stage).toBe(Stage.STAGE_INCREMENTAL);
      const applied = await appliedUpToNow(
        c,
        created.taskId,
        { host: db.host, port: db.port, user: db.user, password: db.password },
        60_000,
      );
      // The UPDATE made while paused: its before and after images.
      expect(applied.changesApplied).toBe(2n);
      expect((await c.stopTask(created.taskId)).stage).toBe(Stage.STAGE_STOPPED);
      const w = await waitFor(() => WarehouseSession.open(join(work, 'wh-a.duckdb')), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the sink to release the warehouse',
      });
      try {
        expect(await w.query('SELECT v FROM c.t_merged WHERE id = 7')).toEqual([['while paused']]);
      } finally {
        await w.close();
      }
    } finally {
      watching.abort();
      await local.stop();
    }
  });

  it('completes the full copy exactly when the coordinator is SIGKILLed during it', async () => {
    const local = await startLocal({ stateDir: join(work, 'state-b'), incremental: false });
    try {
      const c = local.client;
      const created = await c.createTask(spec('ctlkill', join(work, 'wh-b.duckdb'), ['schema', 'full'], 1_000));
      await c.precheckAndStart(created.taskId);
      await waitFor(
        async () => {
          const t = await c.getTask(created.taskId);
          return t.stage === Stage.STAGE_FULL && t.tables[0]!.chunksDone > 0;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'the full copy to start' },
      );
      process.kill(local.supervisor.pid('coordinator')!, 'SIGKILL');
      const done = await waitFor(
        async () => {
          const t = await c.getTask(created.taskId).catch(() => undefined);
          return t && (t.stage === Stage.STAGE_COMPLETED || t.stage === Stage.STAGE_FAILED) ? t : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: 'completion after the coordinator restarted' },
      );
      expect(done.stage).toBe(Stage.STAGE_COMPLETED);
      expect(done.tables[0]!.rowsDone).toBe(100_000n);
    } finally {
      await local.stop();
    }
    const w = await WarehouseSession.open(join(work, 'wh-b.duckdb'));
    try {
      expect(await w.query('SELECT count(*), count(DISTINCT id) FROM c.t_base')).toEqual([[100_000n, 100_000n]]);
    } finally {
      await w.close();
    }
  });
});
