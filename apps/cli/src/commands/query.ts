import { requestWarehouseQuery, type WarehouseRows } from '@tidewater/bus';
import { toJson } from '../json-output.js';
import { formatCsv, formatTable, rowObjects } from '../result-format.js';
import { readWarehouse, type TargetOptions } from '../warehouse-target.js';

export interface QueryOptions extends TargetOptions {
  readonly sql: string;
  /** 0 or unset: 10,000. */
  readonly maxRows?: number;
  /** 0 or unset: 60 s. */
  readonly timeoutMs?: number;
}

/**
 * One read-only statement on a warehouse: opened here when no process holds the file, else
 * answered by the sink that holds it (while a task runs). Refusals (not a read, two
 * statements) and SQL errors are TW_SPEC_INVALID.
 */
export async function queryWarehouse(opts: QueryOptions): Promise<WarehouseRows> {
  const limits = { maxRows: opts.maxRows, timeoutMs: opts.timeoutMs };
  return readWarehouse(
    opts,
    (bus, target) => requestWarehouseQuery(bus, target, { sql: opts.sql, ...limits }),
    (file) => file.query(opts.sql, limits),
  );
}

/** `tidewater query`: an aligned table by default, `--json` rows as objects, `--csv`. A cut result says so on stderr. */
export async function query(opts: QueryOptions & { format: 'table' | 'json' | 'csv' }): Promise<void> {
  const r = await queryWarehouse(opts);
  if (opts.format === 'json') console.log(toJson(rowObjects(r)));
  else if (opts.format === 'csv') console.log(formatCsv(r));
  else console.log(`${formatTable(r)}\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  if (r.truncated) console.error(`tidewater query: result cut: ${r.truncated}`);
}
