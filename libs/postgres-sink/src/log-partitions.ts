import { partitionColumnName, type DestTable, type TableOptions } from '@tidewater/task-plan';
import { advisoryLock, type Connection } from './connection.js';
import { isPartitioned } from './catalog.js';
import { ddlLockName, ident, partitionTableName, qualified } from './names.js';

/** `PARTITION BY LIST (...)` of the `_log` level holding `depth` values (empty at a leaf). */
export function partitionClause(opts: Pick<TableOptions, 'partition' | 'additionalColumnRule'>, depth: number) {
  const col = opts.partition[depth];
  return col ? ` PARTITION BY LIST (${ident(partitionColumnName(col, opts.additionalColumnRule))})` : '';
}

/**
 * Creates the `_log` partitions a batch needs before its COPY: one level per `modifytime_*`
 * column (year, then month …), so a query on one day prunes to that day's partition. Runs in
 * its own short transaction under the schema's DDL lock (creating a partition locks the parent
 * exclusively: a write transaction holding that would stall every other sink's COPY). Known
 * partitions are remembered; a partition another sink created is found by IF NOT EXISTS.
 */
export class LogPartitions {
  private readonly known = new Set<string>();
  private readonly unpartitioned = new Set<string>();

  constructor(private readonly conn: Connection) {}

  async ensure(table: DestTable, opts: Pick<TableOptions, 'partition' | 'additionalColumnRule'>, tuples: string[][]) {
    const log = `${table.stem}_log`;
    const logKey = `${table.schema}.${log}`;
    if (!opts.partition.length || this.unpartitioned.has(logKey)) return;
    const missing = new Map<string, string[]>();
    for (const t of tuples)
      for (let k = 1; k <= t.length; k++) {
        const prefix = t.slice(0, k);
        const key = `${logKey}#${prefix.join('/')}`;
        if (!this.known.has(key)) missing.set(key, prefix);
      }
    if (!missing.size) return;
    // Parents before children: shorter prefixes first.
    const ordered = [...missing.entries()].sort((a, b) => a[1].length - b[1].length);
    await this.conn.tx(async (c) => {
      await advisoryLock(c, ddlLockName(table.schema));
      // An adopted `_log` created by someone else may not be partitioned: write it as it is.
      if (!(await isPartitioned(c, table.schema, log))) {
        this.unpartitioned.add(logKey);
        return;
      }
      for (const [, prefix] of ordered) {
        const parent = prefix.length === 1 ? log : partitionTableName(log, prefix.slice(0, -1));
        const value = prefix[prefix.length - 1]!.replace(/'/g, "''");
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${qualified(table.schema, partitionTableName(log, prefix))} PARTITION OF ${qualified(table.schema, parent)} FOR VALUES IN ('${value}')${partitionClause(opts, prefix.length)}`,
        );
      }
    }, `${table.schema}.${log}`);
    for (const key of missing.keys()) this.known.add(key);
  }
}
