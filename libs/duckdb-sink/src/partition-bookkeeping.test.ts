import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeKind } from '@tidewater/proto';
import { col, opts, rows, table, wr } from './test-fixture.js';
import { DuckDbWarehouse, WarehouseSession } from './index.js';

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

describe('DuckDbWarehouse sink partitions', () => {
  it('keeps the change checkpoint per sink partition: a slower partition’s lower record ids are still written', async () => {
    const insert = (id: bigint, key: bigint) =>
      rows([[key, '1.00', 'k']], [{ kind: ChangeKind.CHANGE_KIND_INSERT, id }]);
    expect(await w.appendLog(wr(0), table, insert(20n, 1n), opts)).toBe(1);
    expect(await w.appendLog(wr(1), table, insert(15n, 2n), opts)).toBe(1);
    // Redelivery on either partition writes nothing twice.
    expect(await w.appendLog(wr(1), table, insert(15n, 2n), opts)).toBe(0);
    expect(await w.appendLog(wr(0), table, insert(20n, 1n), opts)).toBe(0);
    expect(await s.query('SELECT record_id FROM shop.item_log ORDER BY record_id')).toEqual([[15n], [20n]]);
    expect(
      await s.query('SELECT sink_partition, record_id FROM _tidewater.log_checkpoints ORDER BY sink_partition'),
    ).toEqual([
      [0, 20n],
      [1, 15n],
    ]);
  });

  it('gives rows read before an ADD COLUMN the column default when another partition applied it first', async () => {
    const tag = col('tag', 'varchar', { columnDefault: "'x'" });
    const insert = (id: bigint) => rows([[id, '1.00', 'k']], [{ kind: ChangeKind.CHANGE_KIND_INSERT, id }]);
    await w.appendLog(wr(0), table, insert(1n), opts);
    const altered = { ...table, columns: [...table.columns, tag], version: 1 };
    // Partition 0 applied the ADD COLUMN; partition 1 still commits rows of the older schema.
    await w.addColumns(altered, [tag], opts);
    await w.appendLog(wr(1), altered, insert(2n), opts);
    // Partition 2 does not even know the column yet: its rows take the default too.
    await w.appendLog(wr(2), table, insert(3n), opts);
    expect(await s.query('SELECT id, tag FROM shop.item_log ORDER BY id')).toEqual([
      [1n, 'x'],
      [2n, 'x'],
      [3n, 'x'],
    ]);
  });

  it('refuses a write under an older lease epoch than the partition has seen (P3), and nothing of it lands', async () => {
    const insert = (id: bigint) => rows([[id, '1.00', 'k']], [{ kind: ChangeKind.CHANGE_KIND_INSERT, id }]);
    await w.appendLog(wr(2, 5), table, insert(1n), opts);
    await expect(w.appendLog(wr(2, 4), table, insert(2n), opts)).rejects.toMatchObject({ code: 'TW_PARTITION_LOST' });
    await expect(w.commitChunk(wr(2, 4), 'late', table, [rows([[9n, '1.00', 'z']])], opts)).rejects.toMatchObject({
      code: 'TW_PARTITION_LOST',
    });
    expect(await w.appendLog(wr(2, 6), table, insert(3n), opts)).toBe(1);
    expect(await s.query('SELECT record_id FROM shop.item_log ORDER BY record_id')).toEqual([[1n], [3n]]);
    expect(await s.query('SELECT count(*) FROM shop.item_base')).toEqual([[0n]]);
    expect(await s.query('SELECT epoch, sink_id FROM _tidewater.partition_fences WHERE sink_partition = 2')).toEqual([
      [6n, 'sink-6'],
    ]);
  });
});
