import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeKind } from '@tidewater/proto';
import { RowSetBuilder, encodingOf } from '@tidewater/rowcodec';
import { col, opts, rows, table, wr } from './test-fixture.js';
import { DuckDbWarehouse, WarehouseSession, duckdbType } from './index.js';

// DuckDB is embedded: these tests write a real file.
let dir: string;
let w: DuckDbWarehouse;
let s: WarehouseSession;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-wh-'));
  w = await DuckDbWarehouse.open(join(dir, 'wh.duckdb'));
  s = await WarehouseSession.open(join(dir, 'wh.duckdb'));
  await w.ensureTables('t1', [table], opts);
});
afterEach(async () => {
  await s.close();
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDbWarehouse', () => {
  it('commits a chunk once: a second commit of the same chunk writes nothing', async () => {
    expect(
      await w.commitChunk(
        wr(),
        'c0',
        table,
        [
          rows([
            [1n, '9.99', 'a'],
            [2n, '0.01', 'b'],
          ]),
        ],
        opts,
      ),
    ).toBe(true);
    expect(
      await w.commitChunk(
        wr(),
        'c0',
        table,
        [
          rows([
            [1n, '9.99', 'a'],
            [2n, '0.01', 'b'],
          ]),
        ],
        opts,
      ),
    ).toBe(false);
    expect(await s.query('SELECT count(*) FROM shop.item_base')).toEqual([[2n]]);
    expect(await w.committedChunks('t1')).toEqual(new Set(['c0']));
  });

  it('skips replayed change rows by record id and keeps UPDATE pairs together', async () => {
    const batch = rows(
      [
        [1n, '1.00', 'x'],
        [1n, '2.00', 'x'],
        [3n, '3.00', 'y'],
      ],
      [
        { kind: ChangeKind.CHANGE_KIND_UPDATE_BEFORE, id: 10n },
        { kind: ChangeKind.CHANGE_KIND_UPDATE_AFTER, id: 10n },
        { kind: ChangeKind.CHANGE_KIND_INSERT, id: 11n },
      ],
    );
    expect(await w.appendLog(wr(), table, batch, opts)).toBe(3);
    expect(await w.appendLog(wr(), table, batch, opts)).toBe(0);
    expect(
      await s.query(
        'SELECT record_id, operation_flag, before_flag, after_flag, modifytime_year FROM shop.item_log ORDER BY record_id, after_flag',
      ),
    ).toEqual([
      [10n, 'U', 'Y', 'N', '2023'],
      [10n, 'U', 'N', 'Y', '2023'],
      [11n, 'I', 'N', 'Y', '2023'],
    ]);
  });

  it('merges _base and _log into the current state', async () => {
    await w.commitChunk(
      wr(),
      'c0',
      table,
      [
        rows([
          [1n, '1.00', 'a'],
          [2n, '2.00', 'b'],
        ]),
      ],
      opts,
    );
    await w.appendLog(
      wr(),
      table,
      rows(
        [
          [2n, '2.00', 'b'],
          [1n, '5.00', 'a'],
        ],
        [
          { kind: ChangeKind.CHANGE_KIND_DELETE, id: 20n },
          { kind: ChangeKind.CHANGE_KIND_INSERT, id: 21n },
        ],
      ),
      opts,
    );
    expect(await s.query('SELECT id, price::VARCHAR FROM shop.item_merged ORDER BY id')).toEqual([[1n, '5.00']]);
  });

  it('names additional columns new_dts_sync_* under the new rule', async () => {
    const t2 = { ...table, stem: 'item2' };
    const newRule = { ...opts, additionalColumnRule: 'new' as const };
    await w.ensureTables('t1', [t2], newRule);
    await w.appendLog(wr(), t2, rows([[7n, '1.00', 'z']], [{ kind: ChangeKind.CHANGE_KIND_INSERT, id: 5n }]), newRule);
    expect(
      await s.query(
        'SELECT new_dts_sync_record_id, new_dts_sync_operation_flag, new_dts_sync_after_flag, new_dts_sync_modifytime_year FROM shop.item2_log',
      ),
    ).toEqual([[5n, 'I', 'Y', '2023']]);
    expect(await s.query('SELECT id FROM shop.item2_merged')).toEqual([[7n]]);
  });

  it('refuses a destination table it did not create, under conflictMode precheck', async () => {
    await expect(w.ensureTables('other-task', [table], opts)).rejects.toThrow(/shop.item_base already exists/);
    await expect(w.ensureTables('other-task', [table], { ...opts, conflictMode: 'ignore' })).resolves.toBeUndefined();
  });

  it('under conflictMode ignore keeps an existing row on a key conflict and migrates the common columns', async () => {
    const full = { ...opts, incremental: false, conflictMode: 'ignore' as const };
    const t = { ...table, stem: 'kept' };
    await s.query('CREATE TABLE shop.kept_base (id BIGINT, price DECIMAL(12,2), note VARCHAR)');
    await s.query(`INSERT INTO shop.kept_base VALUES (1, 100.00, 'mine')`);
    expect(await w.foreignTables('t2', ['shop.kept_base', 'shop.item_base', 'shop.nope_base'])).toEqual([
      'shop.kept_base',
      'shop.item_base',
    ]);
    await w.ensureTables('t2', [t], full);
    expect(await w.foreignTables('t2', ['shop.kept_base'])).toEqual([]);
    await w.commitChunk(
      { ...wr(), taskId: 't2' },
      'c0',
      t,
      [
        rows([
          [1n, '9.99', 'a'],
          [2n, '0.01', 'b'],
        ]),
      ],
      full,
    );
    expect(await s.query('SELECT id, price::VARCHAR, note FROM shop.kept_base ORDER BY id')).toEqual([
      [1n, '100.00', 'mine'],
      [2n, '0.01', null],
    ]);
    // Adoption is remembered by a reopened warehouse.
    await w.close();
    w = await DuckDbWarehouse.open(join(dir, 'wh.duckdb'));
    await w.commitChunk(
      { ...wr(), taskId: 't2' },
      'c1',
      t,
      [
        rows([
          [2n, '5.55', 'c'],
          [3n, '3.00', 'd'],
        ]),
      ],
      full,
    );
    expect(await s.query('SELECT id, price::VARCHAR FROM shop.kept_base ORDER BY id')).toEqual([
      [1n, '100.00'],
      [2n, '0.01'],
      [3n, '3.00'],
    ]);
  });

  it('writes chunks by column name after an ADD COLUMN lands behind computed columns', async () => {
    const full = { ...opts, incremental: false };
    const t = {
      ...table,
      stem: 'etl',
      columns: [col('id', 'bigint'), col('price', 'decimal', { precision: 12, scale: 2 }), col('gross', 'varchar')],
    };
    await w.ensureTables('t1', [t], full);
    // Source columns first, then the ETL column; the sink's list after ADD COLUMN `note`:
    const altered = {
      ...t,
      columns: [
        col('id', 'bigint'),
        col('price', 'decimal', { precision: 12, scale: 2 }),
        col('note', 'varchar'),
        col('gross', 'varchar'),
      ],
      version: 1,
    };
    await w.addColumns(altered, [col('note', 'varchar')], full);
    const b = new RowSetBuilder(
      t.source,
      ['id', 'price', 'note', 'gross'],
      altered.columns.map((c) => encodingOf(c)),
      1,
    );
    b.add([1n, '2.50', 'hello', '5.00']);
    await w.commitChunk(wr(), 'e0', altered, [b.finish('etl')], full);
    expect(await s.query('SELECT id, price::VARCHAR, note, gross FROM shop.etl_base')).toEqual([
      [1n, '2.50', 'hello', '5.00'],
    ]);
  });

  it("counts a table's rows and names the tasks that created tables", async () => {
    await w.commitChunk(
      wr(),
      'c0',
      table,
      [
        rows([
          [1n, '1.00', 'a'],
          [2n, '2.00', 'b'],
        ]),
      ],
      opts,
    );
    await w.ensureTables('t4', [{ ...table, stem: 'other' }], opts);
    expect(await w.rowCount('shop', 'item_base')).toBe(2n);
    expect((await w.ownerTasks()).sort()).toEqual(['t1', 't4']);
  });

  it('refuses to adopt a table without the key columns, naming them', async () => {
    await s.query('CREATE TABLE shop.nokey_base (price DECIMAL(12,2))');
    await expect(
      w.ensureTables('t3', [{ ...table, stem: 'nokey' }], { ...opts, conflictMode: 'ignore' }),
    ).rejects.toThrow(/shop.nokey_base lacks column\(s\) id/);
  });
});

describe('duckdbType', () => {
  it('keeps every value: wide decimals become text, unsigned stays unsigned', () => {
    expect(duckdbType(col('d', 'decimal', { precision: 65, scale: 30 }), 'native')).toBe('VARCHAR');
    expect(duckdbType(col('d', 'decimal', { precision: 38, scale: 10 }), 'native')).toBe('DECIMAL(38,10)');
    expect(duckdbType(col('u', 'bigint', { unsigned: true }), 'native')).toBe('UBIGINT');
    expect(duckdbType(col('t', 'datetime'), 'string')).toBe('VARCHAR');
    expect(duckdbType(col('t', 'time'), 'native')).toBe('VARCHAR');
  });
});
