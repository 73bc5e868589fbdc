import type { DuckDBConnection } from '@duckdb/node-api';
import type { RowSet } from '@tidewater/proto';
import { isTidewaterError } from '@tidewater/errors';
import { appendAt, columnOrder, nativeFlags, writeError } from './append-values.js';
import {
  logColumns,
  logFlags,
  partitionColumnName,
  partitionValue,
  type DestTable,
  type PartitionWriter,
  type TableOptions,
} from '@tidewater/task-plan';
import type { Catalog } from './catalog.js';

/**
 * Appends change rows to `_log` tables. Invariant S2: a `_log` row is written once. Within a
 * sink partition record ids increase in binlog order and a batch commits whole together with
 * the partition's checkpoint of the table (`_tidewater.log_checkpoints`), so rows at or below
 * it are skipped and a redelivered batch writes nothing twice. Rows of one table reach several
 * partitions, so one table-wide max(record_id) would skip a slower partition's rows. The
 * checkpoint is cached per (table, partition) after the first read; P3 fences each write.
 */
export class LogWriter {
  private readonly checkpoints = new Map<string, bigint>();

  constructor(private readonly catalog: Catalog) {}

  /** Returns the number of rows written. */
  async append(
    c: DuckDBConnection,
    w: PartitionWriter,
    table: DestTable,
    rs: RowSet,
    opts: Pick<TableOptions, 'temporalMapping' | 'additionalColumnRule' | 'partition'>,
  ): Promise<number> {
    const m = logColumns(opts.additionalColumnRule);
    const logName = `${table.stem}_log`;
    const key = `${table.schema}.${logName}#${w.partition}`;
    const checkpoint =
      this.checkpoints.get(key) ??
      (await this.catalog.logCheckpoint(c, table.schema, logName, w.partition, m.recordId));
    const order = columnOrder(table, rs);
    const native = nativeFlags(order, rs, opts.temporalMapping);
    const dataIndex = new Map(table.columns.map((col, k) => [col.name, k]));
    // Physical column order: an ADD COLUMN lands after the metadata columns.
    const layout = await this.catalog.layout(c, table.schema, logName);
    const metaNames = new Set<string>(Object.values(m));
    const partitions = new Map(opts.partition.map((p) => [partitionColumnName(p, opts.additionalColumnRule), p]));
    let written = 0;
    let maxId = checkpoint;
    await c.run('BEGIN TRANSACTION');
    try {
      await this.catalog.fence(c, w);
      const ap = await c.createAppender(logName, table.schema, this.catalog.name);
      try {
        for (let r = 0; r < rs.rowCount; r++) {
          const id = rs.recordIds[r]!;
          if (id <= checkpoint) continue;
          const flags = logFlags(rs.kinds[r]!);
          const ts = rs.eventTimes[r]!;
          const iso = partitions.size ? new Date(Number(ts) * 1000).toISOString() : '';
          for (const name of layout) {
            const k = dataIndex.get(name);
            if (k !== undefined && !metaNames.has(name)) appendAt(ap, rs, order[k]!, r, native[k]!);
            else if (name === m.recordId) ap.appendBigInt(id);
            else if (name === m.operationFlag) ap.appendVarchar(flags.operation);
            else if (name === m.utcTimestamp) ap.appendBigInt(ts);
            else if (name === m.beforeFlag) ap.appendVarchar(flags.before);
            else if (name === m.afterFlag) ap.appendVarchar(flags.after);
            else if (partitions.has(name)) ap.appendVarchar(partitionValue(partitions.get(name)!, iso));
            // A column another partition added after this one read its table: the default,
            // as the source gave the rows the ADD COLUMN found (append-values.ts `appendAt`).
            else ap.appendDefault();
          }
          ap.endRow();
          written++;
          if (id > maxId) maxId = id;
        }
        ap.flushSync();
      } finally {
        ap.closeSync();
      }
      if (maxId > checkpoint) await this.catalog.setLogCheckpoint(c, table.schema, logName, w.partition, maxId);
      await c.run('COMMIT');
    } catch (e) {
      await c.run('ROLLBACK').catch(() => undefined);
      this.checkpoints.delete(key);
      if (isTidewaterError(e)) throw e;
      throw writeError(e, `${table.schema}.${logName}`);
    }
    this.checkpoints.set(key, maxId);
    return written;
  }
}
