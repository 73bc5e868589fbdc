import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '@tidewater/testkit';
import { ChangeKind } from '@tidewater/proto';
import { freshDatabase, opts, rows, table, wr } from './test-fixture.js';
import { PostgresSession, PostgresWarehouse } from './index.js';
import { resyncStagingName } from './resync.js';

// One PostgreSQL for the file; each test its own database. R1: staging, swap, watermark.
let pg: PostgresServer;
let admin: PostgresSession;
let url: string;
let w: PostgresWarehouse;
let s: PostgresSession;
beforeAll(async () => {
  pg = await startPostgres();
  admin = await PostgresSession.open(pg.url);
});
afterAll(async () => {
  await admin?.close();
  await pg?.stop();
});
beforeEach(async () => {
  url = await freshDatabase(admin, pg.url);
  w = await PostgresWarehouse.open(url);
  s = await PostgresSession.open(url);
  await w.ensureTables('t1', [table], opts);
});
afterEach(async () => {
  await s.close();
  await w.close();
});

const merged = () => s.query('SELECT id, price, record_id2 FROM shop.item_merged ORDER BY id');

describe('PostgresWarehouse resync (R1)', () => {
  it('copies into staging while _base stays readable, swaps at completion and hides _log rows below the watermark', async () => {
    await w.commitChunk(
      wr(),
      'c0',
      table,
      [
        rows([
          [1n, '1.00', 'old'],
          [2n, '2.00', 'old'],
        ]),
      ],
      opts,
    );
    await w.appendLog(
      wr(),
      table,
      rows(
        [
          [1n, '1.00', 'old'],
          [1n, '1.50', 'upd'],
          [3n, '3.00', 'ins'],
        ],
        [
          { kind: ChangeKind.CHANGE_KIND_UPDATE_BEFORE, id: 100n },
          { kind: ChangeKind.CHANGE_KIND_UPDATE_AFTER, id: 100n },
          { kind: ChangeKind.CHANGE_KIND_INSERT, id: 200n },
        ],
      ),
      opts,
    );
    // Two sinks (partitions) commit chunks of generation 1 into the same staging table, each once.
    expect(await w.commitChunk(wr(0), 'x.t0.r1.c0', table, [rows([[1n, '9.00', 'new']])], opts, 1)).toBe(true);
    const other = await PostgresWarehouse.open(url);
    try {
      expect(await other.commitChunk(wr(1), 'x.t0.r1.c1', table, [rows([[3n, '3.00', 'ins']])], opts, 1)).toBe(true);
      expect(await other.commitChunk(wr(1), 'x.t0.r1.c1', table, [rows([[3n, '3.00', 'ins']])], opts, 1)).toBe(false);
    } finally {
      await other.close();
    }
    expect(await s.query('SELECT count(*)::int FROM shop.item_base')).toEqual([['2']]);
    expect(await s.query(`SELECT count(*)::int FROM shop.${resyncStagingName('item', 1)}`)).toEqual([['2']]);
    expect(await merged()).toEqual([
      ['1', '1.50', 'upd'],
      ['2', '2.00', 'old'],
      ['3', '3.00', 'ins'],
    ]);
    await w.appendLog(
      wr(),
      table,
      rows([[3n, '3.30', 'late']], [{ kind: ChangeKind.CHANGE_KIND_UPDATE_AFTER, id: 1500n }]),
      opts,
    );

    await w.completeResync('t1', table, 1, 1000n, opts);
    await w.completeResync('t1', table, 1, 1000n, opts);
    expect(await merged()).toEqual([
      ['1', '9.00', 'new'],
      ['3', '3.30', 'late'],
    ]);
    expect(await s.query('SELECT count(*)::int FROM shop.item_base')).toEqual([['2']]);
    expect(await s.query("SELECT to_regclass('shop.item_base__resync1') IS NULL")).toEqual([['t']]);
    expect(await s.query('SELECT generation, watermark::text FROM _tidewater.resyncs')).toEqual([['1', '1000']]);
    expect(await s.query('SELECT count(*)::int FROM shop.item_log')).toEqual([['4']]);
  });

  it('names a long staging table within 63 bytes', () => {
    expect(Buffer.byteLength(resyncStagingName('x'.repeat(60), 12))).toBeLessThanOrEqual(63);
    expect(resyncStagingName('item', 3)).toBe('item_base__resync3');
  });
});
