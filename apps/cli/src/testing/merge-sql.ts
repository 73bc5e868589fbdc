import type { ColumnKind } from './compare.js';

/** The merge of docs/merge.md over `schema.table`'s `_base` and `_log`, verbatim in shape, optionally as of time T. */
export function mergeSql(schema: string, table: string, key: string[], cols: ColumnKind[], before?: number): string {
  const c = cols.map((x) => `"${x.name}"`).join(', ');
  const k = key.map((x) => `"${x}"`).join(', ');
  const t = before === undefined ? '' : `WHERE utc_timestamp < ${before}`;
  return `SELECT ${c} FROM (
    SELECT row_number() OVER (PARTITION BY ${k} ORDER BY record_id DESC, after_flag DESC) AS rn, after_flag, ${c}
    FROM (SELECT record_id, after_flag, ${c} FROM ${schema}.${table}_log ${t}
          UNION ALL
          SELECT 0, 'Y', ${c} FROM ${schema}.${table}_base)) WHERE rn = 1 AND after_flag = 'Y'`;
}
