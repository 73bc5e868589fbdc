import { expect } from 'vitest';
import type { SourceClient } from '@tidewater/mysql-source';
import type { WarehouseSession } from '@tidewater/duckdb-sink';
import { sourceRows, destRows, type ColumnKind } from './compare.js';
import { mergeSql } from './merge-sql.js';

/**
 * The `inc` database of incremental.int.test.ts (the tables RandomWriter writes), and the
 * checks that a warehouse's `_base` + `_log` merge to what the source holds.
 */
export const INC_TABLES: Record<string, { key: string[]; cols: ColumnKind[] }> = {
  acct: {
    key: ['id'],
    cols: [
      { name: 'id', kind: 'int' },
      { name: 'balance', kind: 'exact' },
      { name: 'note', kind: 'text' },
      { name: 'updated', kind: 'datetime' },
    ],
  },
  pair: {
    key: ['a', 'b'],
    cols: [
      { name: 'a', kind: 'text' },
      { name: 'b', kind: 'int' },
      { name: 'v', kind: 'int' },
    ],
  },
};

/** Creates `inc` afresh: `acct` with 3,000 seed rows, `pair` empty. */
export async function resetIncDatabase(source: SourceClient): Promise<void> {
  await source.query('DROP DATABASE IF EXISTS inc');
  await source.query('CREATE DATABASE inc CHARACTER SET utf8mb4');
  await source.query(
    'CREATE TABLE inc.acct (id BIGINT PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50), updated DATETIME(6))',
  );
  await source.query('CREATE TABLE inc.pair (a CHAR(1) NOT NULL, b INT NOT NULL, v INT, PRIMARY KEY (a, b))');
  await source.query(
    `INSERT INTO inc.acct SELECT seq, seq / 10, CONCAT('seed ', seq), '2024-01-01 00:00:00.5' FROM inc.seq_1_to_3000`,
  );
}

/** Every `inc` table's rows at the source now, by table (as sourceRows renders them). */
export async function incSourceRows(source: SourceClient): Promise<Record<string, string[]>> {
  return Object.fromEntries(
    await Promise.all(
      Object.entries(INC_TABLES).map(async ([t, { cols }]) => [t, await sourceRows(source, 'inc', t, cols)] as const),
    ),
  );
}

/** The merge of `inc.<table>`'s `_base` + `_log`, and the `_merged` view, both equal the source's rows. */
export async function expectTableMerged(
  source: SourceClient,
  w: WarehouseSession,
  table: string,
  key: string[],
  cols: ColumnKind[],
): Promise<void> {
  const want = await sourceRows(source, 'inc', table, cols);
  expect(await destRows(w, mergeSql('inc', table, key, cols), cols)).toEqual(want);
  expect(await destRows(w, `SELECT * FROM inc.${table}_merged`, cols)).toEqual(want);
}

/** No record of the `_log` table `log` (`schema.table_log`) twice with the same flags. */
export async function expectLogRecordsOnce(w: WarehouseSession, log: string): Promise<void> {
  expect(
    await w.query(`SELECT record_id, before_flag, after_flag, count(*) FROM ${log} GROUP BY ALL HAVING count(*) > 1`),
  ).toEqual([]);
}

/** Every `inc` table merges to the source, and its `_log` holds each record once, an UPDATE as a before/after pair. */
export async function expectMergeEqualsSource(source: SourceClient, w: WarehouseSession): Promise<void> {
  for (const [table, { key, cols }] of Object.entries(INC_TABLES)) {
    await expectTableMerged(source, w, table, key, cols);
    await expectLogRecordsOnce(w, `inc.${table}_log`);
    // An UPDATE is two rows with one record id: before (Y/N) then after (N/Y).
    expect(
      await w.query(
        `SELECT count(*) FROM inc.${table}_log WHERE operation_flag = 'U' GROUP BY record_id HAVING count(*) <> 2 OR min(before_flag) = max(before_flag)`,
      ),
    ).toEqual([]);
  }
}
