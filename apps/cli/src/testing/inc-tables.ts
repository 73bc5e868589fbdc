// Checks that a warehouse's `_base` + `_log` merge to what the `inc` source holds (inc-schema.ts: the tables).
import { expect } from 'vitest';
import type { SourceClient } from '@tidewater/mysql-source';
import type { WarehouseSession } from '@tidewater/duckdb-sink';
import { sourceRows, destRows, type ColumnKind } from './compare.js';
import { INC_TABLES } from './inc-schema.js';
import { mergeSql } from './merge-sql.js';

export { INC_TABLES, resetIncDatabase, incSourceRows } from './inc-schema.js';

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
