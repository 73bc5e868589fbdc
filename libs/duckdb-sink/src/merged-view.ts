import { ident, literal, qualified } from './names.js';
import type { DestTable, LogColumns } from '@tidewater/task-plan';

/**
 * `<t>_merged`: the merge of docs/merge.md as a view, the current source state. For a point
 * in time T, users add `WHERE utc_timestamp < T` to the `_log` branch (docs/merge.md).
 * R1: `_log` rows below the table's resync watermark (`_tidewater.resyncs`) are older than
 * the `_base` a resync swapped in, so they must not win over it: the view leaves them out.
 */
export function mergedViewSql(t: DestTable, m: LogColumns, catalog: string): string {
  const q = (name: string) => `${ident(catalog)}.${qualified(t.schema, name)}`;
  const cols = t.columns.map((c) => ident(c.name)).join(', ');
  const pk = t.keyColumns.map(ident).join(', ');
  return `CREATE OR REPLACE VIEW ${q(`${t.stem}_merged`)} AS
SELECT ${cols} FROM (
  SELECT row_number() OVER (PARTITION BY ${pk} ORDER BY ${ident(m.recordId)} DESC, ${ident(m.afterFlag)} DESC) AS __tw_rn,
         ${ident(m.afterFlag)}, ${cols}
  FROM (SELECT ${ident(m.recordId)}, ${ident(m.afterFlag)}, ${cols} FROM ${q(`${t.stem}_log`)}
        WHERE ${ident(m.recordId)} >= ${resyncWatermarkSql(t, catalog)}
        UNION ALL
        SELECT 0, 'Y', ${cols} FROM ${q(`${t.stem}_base`)})
) WHERE __tw_rn = 1 AND ${ident(m.afterFlag)} = 'Y'`;
}

/** The table's newest resync watermark, 0 when never resynced (R1). */
function resyncWatermarkSql(t: DestTable, catalog: string): string {
  return `coalesce((SELECT max(watermark) FROM ${ident(catalog)}._tidewater.resyncs WHERE schema_name = ${literal(t.schema)} AND table_name = ${literal(t.stem)}), 0)`;
}
