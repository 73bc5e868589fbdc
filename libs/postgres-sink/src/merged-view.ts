import type { DestTable, LogColumns } from '@tidewater/task-plan';
import type { Client } from './connection.js';
import { columnsOf } from './catalog.js';
import { ident, qualified } from './names.js';

/** A SQL string literal (names go into the view's text, not as parameters). */
const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;

/**
 * `<t>_merged`: the merge of docs/merge.md as a view, the current source state (the same
 * query as libs/duckdb-sink/src/merged-view.ts). For a point in time T, users add
 * `WHERE utc_timestamp < T` to the `_log` branch (docs/merge.md). R1: `_log` rows below the
 * table's resync watermark are older than the `_base` a resync swapped in and are left out.
 */
export function mergedViewSelect(t: DestTable, m: LogColumns): string {
  const cols = t.columns.map((c) => ident(c.name)).join(', ');
  const pk = t.keyColumns.map(ident).join(', ');
  return `SELECT ${cols} FROM (
  SELECT row_number() OVER (PARTITION BY ${pk} ORDER BY ${ident(m.recordId)} DESC, ${ident(m.afterFlag)} DESC) AS __tw_rn,
         ${ident(m.afterFlag)} AS __tw_after, ${cols}
  FROM (SELECT ${ident(m.recordId)}, ${ident(m.afterFlag)}, ${cols} FROM ${qualified(t.schema, `${t.stem}_log`)}
        WHERE ${ident(m.recordId)} >= coalesce((SELECT max(watermark) FROM _tidewater.resyncs
          WHERE schema_name = ${literal(t.schema)} AND table_name = ${literal(t.stem)}), 0)
        UNION ALL
        SELECT 0::bigint, 'Y'::text, ${cols} FROM ${qualified(t.schema, `${t.stem}_base`)}) AS __tw_u
) AS __tw_m WHERE __tw_rn = 1 AND __tw_after = 'Y'`;
}

/**
 * (Re)creates the view under the caller's DDL lock. PostgreSQL's CREATE OR REPLACE VIEW may
 * only append columns, and an ADD COLUMN can land before ETL-computed ones: then the view is
 * dropped and created again, in the same transaction, so readers never see it missing.
 */
export async function writeMergedView(c: Client, t: DestTable, m: LogColumns): Promise<void> {
  const name = qualified(t.schema, `${t.stem}_merged`);
  const have = await columnsOf(c, t.schema, `${t.stem}_merged`);
  const want = t.columns.map((col) => col.name);
  const appendOnly = have.every((n, i) => want[i] === n);
  if (!appendOnly) await c.query(`DROP VIEW IF EXISTS ${name}`);
  await c.query(`CREATE OR REPLACE VIEW ${name} AS ${mergedViewSelect(t, m)}`);
}
