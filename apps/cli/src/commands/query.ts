import { queryWarehouseFile } from '@tidewater/duckdb-sink';
import { toJson } from '../json-output.js';

/** `tidewater query [--warehouse FILE] "SQL"`: the rows as tab-separated lines under a header, or JSON rows. */
export async function query(opts: { warehouse: string; sql: string; json: boolean }): Promise<void> {
  const { columns, rows } = await queryWarehouseFile(opts.warehouse, opts.sql);
  if (opts.json) {
    console.log(toJson(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, cell(r[i])])))));
    return;
  }
  console.log(columns.join('\t'));
  for (const r of rows) console.log(r.map((v) => (v === null ? 'NULL' : String(cell(v)))).join('\t'));
}

/** Numbers, strings, booleans and null as they are; DuckDB's temporal, decimal and nested values as their SQL text. */
function cell(v: unknown): unknown {
  return v === null || typeof v !== 'object' ? v : String(v);
}
