import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '@tidewater/testkit';
import { ChangeKind } from '@tidewater/proto';
import { col, freshDatabase, opts, rows, table, wr } from './test-fixture.js';
import { PostgresSession, PostgresWarehouse } from './index.js';

// Rows of one table spread over several sink partitions, and schema changes go to every
// partition: one partition may apply an ADD COLUMN before another commits rows read under the
// older schema. Those rows must take the column's default, as the rows the ADD COLUMN filled do.
let pg: PostgresServer;
let admin: PostgresSession;
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
  const url = await freshDatabase(admin, pg.url);
  w = await PostgresWarehouse.open(url);
  s = await PostgresSession.open(url);
});
afterEach(async () => {
  await s.close();
  await w.close();
});

const tag = col('tag', 'varchar', { columnDefault: "'x'" });
const altered = { ...table, columns: [...table.columns, tag], version: 1 };
const insert = (id: bigint) => rows([[id, '1.00', 'k']], [{ kind: ChangeKind.CHANGE_KIND_INSERT, id }]);

describe('PostgresWarehouse after another partition applied an ADD COLUMN', () => {
  it('gives older change rows and snapshot rows the column default, not NULL', async () => {
    await w.ensureTables('t1', [table], opts);
    await w.appendLog(wr(0), table, insert(1n), opts);
    await w.addColumns(altered, [tag], opts);
    // Partition 1 still commits rows of schema version 0 against the altered table.
    expect(await w.appendLog(wr(1), altered, insert(2n), opts)).toBe(1);
    expect(await w.commitChunk(wr(1), 'c0', altered, [rows([[3n, '3.00', 'c']])], opts)).toBe(true);
    expect(await s.query('SELECT id, tag FROM shop.item_log ORDER BY id')).toEqual([
      ['1', 'x'],
      ['2', 'x'],
    ]);
    expect(await s.query('SELECT id, tag FROM shop.item_base')).toEqual([['3', 'x']]);
    expect(await s.query('SELECT id, tag FROM shop.item_merged ORDER BY id')).toEqual([
      ['1', 'x'],
      ['2', 'x'],
      ['3', 'x'],
    ]);
  });

  it('does the same for a table adopted under conflictMode ignore', async () => {
    await s.query('CREATE SCHEMA shop');
    await s.query('CREATE TABLE shop.item_base (id bigint PRIMARY KEY, price numeric(12,2), record_id2 text)');
    const ignore = { ...opts, incremental: false, conflictMode: 'ignore' as const };
    await w.ensureTables('t1', [table], ignore);
    await w.addColumns(altered, [tag], ignore);
    expect(await w.commitChunk(wr(1), 'c0', altered, [rows([[3n, '3.00', 'c']])], ignore)).toBe(true);
    expect(await s.query('SELECT id, tag FROM shop.item_base')).toEqual([['3', 'x']]);
  });
});
