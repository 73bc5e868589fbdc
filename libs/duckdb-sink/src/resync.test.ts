import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeKind } from '@tidewater/proto';
import { opts, rows, table, wr } from './test-fixture.js';
import { DuckDbWarehouse, WarehouseSession } from './index.js';

// A real DuckDB file: a resync copies into staging, then swaps it for `_base` with a watermark (R1).
let dir: string;
let w: DuckDbWarehouse;
let s: WarehouseSession;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-resync-'));
  w = await DuckDbWarehouse.open(join(dir, 'wh.duckdb'));
  s = await WarehouseSession.open(join(dir, 'wh.duckdb'));
  await w.ensureTables('t1', [table], opts);
});
afterEach(async () => {
  await s.close();
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

const merged = () => s.query('SELECT id, CAST(price AS VARCHAR), record_id2 FROM shop.item_merged ORDER BY id');

describe('resync (R1)', () => {
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
    // Changes before the resync position: an UPDATE of 1 (record id 100) and an INSERT of 3 (200).
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
    // The source diverged unseen (row 1 is 9.00, row 2 gone); the resync copy, read after
    // position 1000, sees it; one chunk of generation 1 is committed, once.
    expect(
      await w.commitChunk(
        wr(),
        'x.t0.r1.c0',
        table,
        [
          rows([
            [1n, '9.00', 'new'],
            [3n, '3.00', 'ins'],
          ]),
        ],
        opts,
        1,
      ),
    ).toBe(true);
    expect(await w.commitChunk(wr(), 'x.t0.r1.c0', table, [rows([[1n, '9.00', 'new']])], opts, 1)).toBe(false);
    expect(await s.query('SELECT count(*) FROM shop.item_base')).toEqual([[2n]]);
    expect(await s.query('SELECT count(*) FROM shop.item_base__resync1')).toEqual([[2n]]);
    expect(await merged()).toEqual([
      [1n, '1.50', 'upd'],
      [2n, '2.00', 'old'],
      [3n, '3.00', 'ins'],
    ]);
    // A change after the position (record id 1500) replays over the new copy.
    await w.appendLog(
      wr(),
      table,
      rows([[3n, '3.30', 'late']], [{ kind: ChangeKind.CHANGE_KIND_UPDATE_AFTER, id: 1500n }]),
      opts,
    );

    await w.completeResync('t1', table, 1, 1000n, opts);
    expect(await merged()).toEqual([
      [1n, '9.00', 'new'],
      [3n, '3.30', 'late'],
    ]);
    expect(await s.query('SELECT count(*) FROM shop.item_base')).toEqual([[2n]]);
    expect(
      await s.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'item_base__resync1'"),
    ).toEqual([[0n]]);
    expect(await s.query('SELECT generation, watermark FROM _tidewater.resyncs')).toEqual([[1, 1000n]]);
    // The log keeps every row; only the view leaves the old ones out.
    expect(await s.query('SELECT count(*) FROM shop.item_log')).toEqual([[4n]]);
  });

  it('completes a generation once: a repeated request leaves a later copy and watermark alone', async () => {
    await w.commitChunk(wr(), 'x.t0.r1.c0', table, [rows([[1n, '1.00', 'g1']])], opts, 1);
    await w.completeResync('t1', table, 1, 1000n, opts);
    await w.commitChunk(wr(), 'x.t0.r2.c0', table, [rows([[2n, '2.00', 'g2']])], opts, 2);
    await w.completeResync('t1', table, 2, 2000n, opts);
    await w.completeResync('t1', table, 1, 1000n, opts);
    await w.completeResync('t1', table, 2, 2000n, opts);
    expect(await merged()).toEqual([[2n, '2.00', 'g2']]);
    expect(await s.query('SELECT generation, watermark FROM _tidewater.resyncs')).toEqual([[2, 2000n]]);
  });

  it('commits chunks of one generation from several partitions at once (the staging table is made once)', async () => {
    const ids = [0, 1, 2, 3];
    const done = await Promise.all(
      ids.map((p) => w.commitChunk(wr(p), `x.t0.r1.c${p}`, table, [rows([[BigInt(p), '1.00', 'g1']])], opts, 1)),
    );
    expect(done).toEqual([true, true, true, true]);
    expect(await s.query('SELECT count(*) FROM shop.item_base__resync1')).toEqual([[4n]]);
  });

  it('completes an empty table: no chunk rows make an empty _base', async () => {
    await w.commitChunk(wr(), 'c0', table, [rows([[1n, '1.00', 'a']])], opts);
    await w.completeResync('t1', table, 1, 10n, opts);
    expect(await s.query('SELECT count(*) FROM shop.item_base')).toEqual([[0n]]);
    expect(await merged()).toEqual([]);
  });
});
