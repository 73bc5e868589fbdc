import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { connectBus, KV_BUCKETS, openKv } from '@tidewater/bus';
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
  stack = await startStack('tw-fo-');
  ({ db, source, work } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('single-reader services with spares', () => {
  it('run one capture and one transform per task; a spare takes over when the active one is lost, losing and doubling nothing', async () => {
    await source.query('CREATE DATABASE fo');
    await source.query('CREATE TABLE fo.t (id INT PRIMARY KEY, v INT NOT NULL)');
    await source.query('INSERT INTO fo.t SELECT seq, 0 FROM fo.seq_1_to_2000');
    const local = await startLocal({
      stateDir: join(work, 'state'),
      incremental: true,
      spares: ['capture', 'transform'],
    });
    const bus = await connectBus(stack.nats.url, 'failover-test');
    try {
      const leases = await openKv(bus.js, KV_BUCKETS.leases);
      const holder = async (service: string): Promise<string | undefined> => {
        const e = await leases.get(`${service}.fo`);
        return e && e.operation === 'PUT' && e.value.length
          ? (JSON.parse(e.string()) as { owner: string }).owner
          : undefined;
      };
      const created = await local.client.createTask(
        JSON.stringify({
          name: 'fo',
          source: { host: db.host, port: db.port, user: db.user, password: db.password },
          destination: { type: 'duckdb', path: join(work, 'wh-fo.duckdb') },
          migrationTypes: ['schema', 'full', 'incremental'],
          objects: [{ database: 'fo' }],
        }),
      );
      await local.client.precheckAndStart(created.taskId);
      await waitFor(async () => (await local.client.getTask('fo')).stage === Stage.STAGE_INCREMENTAL, {
        timeoutMs: 60_000,
        what: 'incremental stage',
      });
      const captureOwner = (await holder('capture'))!;
      const transformOwner = (await holder('transform'))!;
      expect(['capture', 'capture-2']).toContain(captureOwner);
      expect(['transform', 'transform-2']).toContain(transformOwner);

      let round = 0;
      const write = async (n: number) => {
        for (let i = 0; i < n; i++, round++)
          await source.query(`UPDATE fo.t SET v = v + 1 WHERE id = ${1 + ((round * 37) % 2000)}`);
      };
      await write(200);
      // Both active instances are lost for good (no restart): the spares must take over.
      local.supervisor.retire(captureOwner);
      local.supervisor.retire(transformOwner);
      await write(200);
      await waitFor(
        async () => {
          const [c, t] = [await holder('capture'), await holder('transform')];
          return c !== undefined && c !== captureOwner && t !== undefined && t !== transformOwner;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'the spares to take the leases over' },
      );
      await write(200);
      await appliedUpToNow(
        local.client,
        'fo',
        { host: db.host, port: db.port, user: db.user, password: db.password },
        90_000,
      );
      await local.client.stopTask('fo');
      const w = await waitFor(() => WarehouseSession.open(join(work, 'wh-fo.duckdb')).catch(() => undefined), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the sink to release the warehouse',
      });
      try {
        const want = (await source.query('SELECT id, v FROM fo.t ORDER BY id')).map((r) => `${r[0]}:${r[1]}`);
        expect((await w.query('SELECT id, v FROM fo.t_merged ORDER BY id')).map((r) => `${r[0]}:${r[1]}`)).toEqual(
          want,
        );
        expect(
          await w.query('SELECT record_id, before_flag, count(*) FROM fo.t_log GROUP BY ALL HAVING count(*) > 1'),
        ).toEqual([]);
        expect(await w.query(`SELECT count(*) FROM fo.t_log WHERE after_flag = 'Y'`)).toEqual([[600n]]);
      } finally {
        await w.close();
      }
    } finally {
      await bus.close();
      await local.stop();
    }
  });
});
