import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { startStack, type Stack } from './testing/stack.js';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage } from '@tidewater/proto';
import { migrate } from './commands/migrate.js';
import { startLocal } from './local-run.js';
import { sourceRows, destRows, type ColumnKind } from './testing/compare.js';
import { TYPES_DDL, TYPE_COLS, TYPE_ROWS } from './testing/all-types.js';

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;

beforeAll(async () => {
  stack = await startStack('tw-full-');
  ({ db, source, work } = stack);
  await source.query(`SET SESSION sql_mode = ''`);
  await source.query('CREATE DATABASE fid CHARACTER SET utf8mb4');
  await source.query(TYPES_DDL);
  await source.query(`INSERT INTO fid.all_types VALUES ${TYPE_ROWS.join(',')}`);
  await source.query(
    'CREATE TABLE fid.composite (region CHAR(2) NOT NULL, seq INT NOT NULL, note VARCHAR(20), PRIMARY KEY (region, seq))',
  );
  await source.query(
    `INSERT INTO fid.composite SELECT ELT(1 + (seq % 3), 'eu', 'US', 'ap'), seq, CONCAT('n', seq) FROM (SELECT seq FROM fid.seq_1_to_3000) s`,
  );
  await source.query('CREATE TABLE fid.`order` (`select` INT PRIMARY KEY, `from` VARCHAR(10))');
  await source.query("INSERT INTO fid.`order` VALUES (1, 'where'), (2, NULL)");
  await source.query('CREATE TABLE fid.empty_one (id INT PRIMARY KEY, v INT)');
  // Wide rows: 2,000-row batches would be ~8 MB; batches are cut by size as well.
  await source.query('CREATE TABLE fid.wide (id INT PRIMARY KEY, body MEDIUMTEXT)');
  await source.query(`INSERT INTO fid.wide SELECT seq, REPEAT(CHAR(97 + seq % 26), 4000) FROM fid.seq_1_to_3000`);
  await source.query(
    'CREATE TABLE fid.big (id BIGINT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, amount DECIMAL(12,2))',
  );
  await source.query(
    `INSERT INTO fid.big SELECT seq, seq % 1000, REPEAT(CHAR(65 + seq % 26), 120), MD5(seq), seq / 100 FROM fid.seq_1_to_200000`,
  );
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

function spec(name: string, warehouse: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'duckdb', path: warehouse },
    objects: [{ database: 'fid' }],
    full: { chunkRows: 20_000, batchRows: 1_000 },
    ...extra,
  });
}

describe('full migration through every service', () => {
  it('copies every table with every type exactly (native temporal mapping)', async () => {
    const warehouse = join(work, 'native.duckdb');
    const { task } = await migrate({
      specText: spec('native', warehouse),
      stateDir: join(work, 'state-native'),
      json: true,
    });
    expect(task.stage).toBe(Stage.STAGE_COMPLETED);
    const w = await WarehouseSession.open(warehouse);
    try {
      expect(await destRows(w, 'SELECT * FROM fid.all_types_base', TYPE_COLS)).toEqual(
        await sourceRows(source, 'fid', 'all_types', TYPE_COLS),
      );
      const comp: ColumnKind[] = [
        { name: 'region', kind: 'text' },
        { name: 'seq', kind: 'int' },
        { name: 'note', kind: 'text' },
      ];
      expect(await destRows(w, 'SELECT * FROM fid.composite_base', comp)).toEqual(
        await sourceRows(source, 'fid', 'composite', comp),
      );
      const ord: ColumnKind[] = [
        { name: 'select', kind: 'int' },
        { name: 'from', kind: 'text' },
      ];
      expect(await destRows(w, 'SELECT * FROM fid.order_base', ord)).toEqual([`1|where`, `2|∅`]);
      expect(await w.query('SELECT count(*) FROM fid.empty_one_base')).toEqual([[0n]]);
      expect(await w.query('SELECT count(*), sum(length(body)), count(DISTINCT id) FROM fid.wide_base')).toEqual([
        [3000n, 12_000_000n, 3000n],
      ]);
      const big: ColumnKind[] = [
        { name: 'id', kind: 'int' },
        { name: 'k', kind: 'int' },
        { name: 'c', kind: 'text' },
        { name: 'pad', kind: 'text' },
        { name: 'amount', kind: 'exact' },
      ];
      const [want, got] = [
        await sourceRows(source, 'fid', 'big', big),
        await destRows(w, 'SELECT * FROM fid.big_base', big),
      ];
      expect(got.length).toBe(200_000);
      expect(got).toEqual(want);
      // Zero dates have no DuckDB DATE/TIMESTAMP value: NULL in native mode (documented).
      expect(await w.query(`SELECT dt IS NULL, dtm IS NULL FROM fid.all_types_base WHERE id = 4`)).toEqual([
        [true, true],
      ]);
    } finally {
      await w.close();
    }
  });

  it('keeps zero dates verbatim with temporalMapping: string', async () => {
    const warehouse = join(work, 'string.duckdb');
    const { task } = await migrate({
      specText: spec('strings', warehouse, {
        temporalMapping: 'string',
        objects: [{ database: 'fid', tables: ['all_types'] }],
      }),
      stateDir: join(work, 'state-string'),
      json: true,
    });
    expect(task.stage).toBe(Stage.STAGE_COMPLETED);
    const w = await WarehouseSession.open(warehouse);
    try {
      const rows = await w.query('SELECT id, dt, dtm, ts, tm FROM fid.all_types_base ORDER BY id');
      const src = await source.query(
        'SELECT id, CAST(dt AS CHAR), CAST(dtm AS CHAR), CAST(ts AS CHAR), CAST(tm AS CHAR) FROM fid.all_types ORDER BY id',
      );
      expect(rows.map((r) => r.map((v) => (v === null ? null : String(v))))).toEqual(
        src.map((r) => r.map((v) => (v === null ? null : String(v)))),
      );
      expect(rows[3]![1]).toBe('0000-00-00');
    } finally {
      await w.close();
    }
  });

  it('finishes with exactly the source rows after SIGKILL of snapshot and sink mid-copy', async () => {
    const warehouse = join(work, 'kill.duckdb');
    const local = await startLocal({ stateDir: join(work, 'state-kill'), incremental: false });
    try {
      let task = await local.client.createTask(
        spec('kill', warehouse, {
          objects: [{ database: 'fid', tables: ['big'] }],
          full: { chunkRows: 5_000, batchRows: 500, parallelChunks: 2 },
        }),
      );
      task = (await local.client.precheckAndStart(task.taskId)).task;
      const rowsDone = async () =>
        (await local.client.getTask(task.taskId)).tables.reduce((n, t) => n + t.rowsDone, 0n);
      await waitFor(async () => (await rowsDone()) > 20_000n, { timeoutMs: 120_000, what: 'first chunks committed' });
      process.kill(local.supervisor.pid('snapshot')!, 'SIGKILL');
      await waitFor(async () => (await rowsDone()) > 60_000n, {
        timeoutMs: 120_000,
        what: 'copy continues after snapshot kill',
      });
      process.kill(local.supervisor.pid('sink')!, 'SIGKILL');
      const final = await waitFor(
        async () => {
          const t = await local.client.getTask(task.taskId);
          return t.stage === Stage.STAGE_COMPLETED || t.stage === Stage.STAGE_FAILED ? t : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 500, what: 'task completion after kills' },
      );
      expect(final.errorMessage).toBe('');
      expect(final.stage).toBe(Stage.STAGE_COMPLETED);
    } finally {
      await local.stop();
    }
    const w = await WarehouseSession.open(warehouse);
    try {
      expect(await w.query('SELECT count(*), count(DISTINCT id), min(id), max(id) FROM fid.big_base')).toEqual([
        [200_000n, 200_000n, 1n, 200_000n],
      ]);
    } finally {
      await w.close();
    }
  });

  it('fails fast on a wrong password without printing it, a missing table, an unknown key and an unreachable source', async () => {
    const bad = JSON.stringify({
      name: 'bad',
      source: { host: db.host, port: db.port, user: db.user, password: 'Wr0ngPassw0rd!' },
      objects: [{ database: 'fid' }],
    });
    const err = await migrate({ specText: bad, stateDir: join(work, 'state-bad'), json: true }).catch(
      (e: unknown) => e as Error,
    );
    expect(String((err as Error).message)).toMatch(/denied|refused|auth/i);
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('Wr0ngPassw0rd!');
    const missing = spec('missing', join(work, 'm.duckdb'), { objects: [{ database: 'fid', tables: ['nope'] }] });
    await expect(migrate({ specText: missing, stateDir: join(work, 'state-missing'), json: true })).rejects.toThrow(
      /nope/,
    );
    await expect(
      migrate({ specText: '{"name": "x", "sourse": {}}', stateDir: join(work, 'state-x'), json: true }),
    ).rejects.toThrow(/sourse: unknown key/);
    const closed = JSON.stringify({
      name: 'down',
      source: { host: '127.0.0.1', port: 1, user: 'root', password: 'Wr0ngPassw0rd!' },
      objects: [{ database: 'fid' }],
    });
    const down = (await migrate({ specText: closed, stateDir: join(work, 'state-down'), json: true }).catch(
      (e: unknown) => e,
    )) as { code: string; message: string };
    expect(down).toMatchObject({ code: 'TW_SOURCE_UNREACHABLE' });
    expect(down.message).toContain('127.0.0.1:1');
    expect(down.message).not.toContain('Wr0ngPassw0rd!');
  });
});
