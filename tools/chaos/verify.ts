import type { SourceClient } from '@tidewater/mysql-source';
import type { WarehouseSession } from '@tidewater/duckdb-sink';
import { destRows, sourceRows, type ColumnKind } from '../../apps/cli/src/testing/compare.js';

export interface TableVerdict {
  readonly table: string;
  readonly sourceRows: number;
  readonly logRows: number;
  /** Keys at the source missing from `_merged`. */
  readonly lost: string[];
  /** Keys in `_merged` the source does not have. */
  readonly extra: string[];
  /** Keys on both sides whose values differ: `source ≠ merged`. */
  readonly changed: string[];
  /** `_log` rows beyond the first of each (record_id, before_flag, after_flag). */
  readonly duplicates: number;
  readonly duplicateSamples: string[];
  /** Distinct epochs leading the `_log` record ids (F1: a failover adds one). */
  readonly epochs: number;
}

const byKey = (rows: string[], keyCols: number): Map<string, string> =>
  new Map(rows.map((r) => [r.split('|').slice(0, keyCols).join('|'), r]));

/**
 * Compares `db.<table>_merged` with the source value by value (each side rendered by its own
 * server, compare.ts), keyed by the leading `keyCols` columns, and counts `_log` duplicates.
 */
export async function verifyTable(
  source: SourceClient,
  w: WarehouseSession,
  db: string,
  table: string,
  cols: readonly ColumnKind[],
  keyCols: number,
): Promise<TableVerdict> {
  const want = byKey(await sourceRows(source, db, table, cols), keyCols);
  const got = byKey(await destRows(w, `SELECT * FROM ${db}.${table}_merged`, cols), keyCols);
  const lost = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  const changed = [...want.entries()]
    .filter(([k, v]) => got.has(k) && got.get(k) !== v)
    .map(([k, v]) => `${k}: ${v} ≠ ${got.get(k)}`);
  const log = `${db}.${table}_log`;
  const [[logRows, epochs]] = (await w.query(`SELECT count(*), count(DISTINCT record_id >> 52) FROM ${log}`)) as [
    [bigint, bigint],
  ];
  const dups = await w.query(
    `SELECT record_id, before_flag, after_flag, count(*) AS n FROM ${log} GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC`,
  );
  return {
    table,
    sourceRows: want.size,
    logRows: Number(logRows),
    epochs: Number(epochs),
    lost,
    extra,
    changed,
    duplicates: dups.reduce((s, r) => s + Number(r[3]) - 1, 0),
    duplicateSamples: dups
      .slice(0, 5)
      .map((r) => `record ${String(r[0])} (${String(r[1])}/${String(r[2])}) ×${String(r[3])}`),
  };
}
