import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { startLocal } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;

beforeAll(async () => {
  stack = await startStack('tw-bus-');
  ({ db, source, work } = stack);
  await source.query('CREATE DATABASE b');
  await source.query('CREATE TABLE b.t (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(20))');
  await source.query(`INSERT INTO b.t SELECT seq, 0, 'seed' FROM b.seq_1_to_30000`);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the bus restarting mid-stream', () => {
  it('loses and doubles nothing when NATS restarts during the full copy and again during the change stream', async () => {
    const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
    const local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
    try {
      const created = await local.client.createTask(
        JSON.stringify({
          name: 'bus',
          source: conn,
          destination: { type: 'duckdb', path: join(work, 'wh.duckdb') },
          migrationTypes: ['schema', 'full', 'incremental'],
          objects: [{ database: 'b' }],
          full: { chunkRows: 1_000, batchRows: 200, parallelChunks: 1 },
        }),
      );
      await local.client.precheckAndStart(created.taskId);
      // Part of the copy is done, part is still queued in JetStream.
      await waitFor(
        async () => {
          const t = await local.client.getTask('bus');
          return t.stage === Stage.STAGE_FULL && t.tables[0]!.rowsDone > 0n ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50, what: 'the full copy to start' },
      );
      let round = 0;
      const write = async (n: number) => {
        for (let i = 0; i < n; i++, round++) {
          const id = 1 + ((round * 7919) % 30_000);
          if (round % 10 === 9) await source.query(`INSERT INTO b.t VALUES (${30_000 + round}, ${round}, 'new')`);
          else await source.query(`UPDATE b.t SET v = v + 1, note = 'upd' WHERE id = ${id}`);
        }
      };
      await write(100);
      await stack.nats.restart!();
      await write(100);
      await waitFor(
        async () => ((await local.client.getTask('bus')).stage === Stage.STAGE_INCREMENTAL ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 250, what: 'the incremental stage after the restart' },
      );
      const writing = write(300);
      await new Promise((r) => setTimeout(r, 300));
      await stack.nats.restart!();
      await writing;
      await appliedUpToNow(local.client, 'bus', conn, 120_000);
      await local.client.stopTask('bus');
      const w = await waitFor(() => WarehouseSession.open(join(work, 'wh.duckdb')).catch(() => undefined), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the sink to release the warehouse',
      });
      try {
        const want = (await source.query('SELECT id, v, note FROM b.t ORDER BY id')).map((r) => r.join('|'));
        expect((await w.query('SELECT id, v, note FROM b.t_merged ORDER BY id')).map((r) => r.join('|'))).toEqual(want);
        // Chunks whose batches were in flight during the restart were copied again: once each in _base
        // (it may also hold rows inserted during the copy, which the merge then reads as the latest).
        const [rows, ids] = (await w.query('SELECT count(*), count(DISTINCT id) FROM b.t_base'))[0]!;
        expect(rows).toBe(ids);
        expect(Number(rows)).toBeGreaterThanOrEqual(30_000);
        expect(
          await w.query('SELECT record_id, before_flag, count(*) FROM b.t_log GROUP BY ALL HAVING count(*) > 1'),
        ).toEqual([]);
      } finally {
        await w.close();
      }
    } finally {
      await local.stop();
    }
  });
});
