import type { RowSet } from '@tidewater/proto';
import {
  logColumns,
  logFlags,
  partitionColumnName,
  partitionValue,
  type DestTable,
  type PartitionWriter,
  type TableOptions,
} from '@tidewater/task-plan';
import { copyIn, type Connection } from './connection.js';
import { columnsOf, fence, logCheckpoint, setLogCheckpoint } from './catalog.js';
import { carriedColumns, escapeText, rowFields } from './copy-text.js';
import { LogPartitions } from './log-partitions.js';
import { ident, qualified } from './names.js';

/**
 * Appends change rows to `_log` tables with one streamed COPY per row set. Invariant S2: a
 * `_log` row is written once. Within a sink partition record ids increase in binlog order and
 * a batch commits whole together with the partition's checkpoint of the table
 * (`_tidewater.log_checkpoints`), so rows at or below it are skipped and a redelivered batch
 * writes nothing twice. The checkpoint is cached per (table, partition, lease epoch): while an
 * epoch lasts only this sink writes the partition (P3 fences every write), and a new epoch
 * reads it afresh, since another sink may have advanced it in between.
 */
export class LogWriter {
  /** Per (table, partition): the checkpoint as of the lease epoch that last wrote it here. */
  private readonly checkpoints = new Map<string, { epoch: number; id: bigint }>();
  private readonly partitions: LogPartitions;

  constructor(private readonly conn: Connection) {
    this.partitions = new LogPartitions(conn);
  }

  /** Returns the number of rows written. */
  async append(
    w: PartitionWriter,
    table: DestTable,
    rs: RowSet,
    opts: Pick<TableOptions, 'temporalMapping' | 'additionalColumnRule' | 'partition'>,
  ): Promise<number> {
    const m = logColumns(opts.additionalColumnRule);
    const logName = `${table.stem}_log`;
    const key = `${table.schema}.${logName}#${w.partition}`;
    const cached = this.checkpoints.get(key);
    const parts = opts.partition.map((p) => ({ name: partitionColumnName(p, opts.additionalColumnRule), col: p }));
    const values = (r: number) => {
      const iso = new Date(Number(rs.eventTimes[r]!) * 1000).toISOString();
      return parts.map((p) => partitionValue(p.col, iso));
    };
    if (parts.length) {
      const tuples = new Map<string, string[]>();
      for (let r = 0; r < rs.rowCount; r++) {
        const v = values(r);
        tuples.set(v.join('/'), v);
      }
      await this.partitions.ensure(table, opts, [...tuples.values()]);
    }
    const result = await this.conn
      .tx(async (c) => {
        await fence(c, w);
        const checkpoint =
          cached?.epoch === w.epoch
            ? cached.id
            : await logCheckpoint(c, table.schema, logName, w.partition, m.recordId);
        const have = new Set(await columnsOf(c, table.schema, logName));
        const metaNames = new Set<string>([...Object.values(m), ...parts.map((p) => p.name)]);
        const data = carriedColumns(
          table,
          table.columns.map((col) => col.name).filter((n) => have.has(n) && !metaNames.has(n)),
          rs,
        );
        const fields = rowFields(table, data, rs, opts.temporalMapping);
        const cols = [...data, m.recordId, m.operationFlag, m.utcTimestamp, m.beforeFlag, m.afterFlag];
        const partAt = parts.flatMap((p, i) => (have.has(p.name) ? [i] : []));
        let written = 0;
        let maxId = checkpoint;
        let text = '';
        for (let r = 0; r < rs.rowCount; r++) {
          const id = rs.recordIds[r]!;
          if (id <= checkpoint) continue;
          const flags = logFlags(rs.kinds[r]!);
          const row = fields.map((f) => f[r]!);
          row.push(id, flags.operation, rs.eventTimes[r]!, flags.before, flags.after);
          if (partAt.length) {
            const v = values(r);
            for (const i of partAt) row.push(escapeText(v[i]!));
          }
          written++;
          if (id > maxId) maxId = id;
          text += `${row.join('\t')}\n`;
        }
        const all = [...cols, ...partAt.map((i) => parts[i]!.name)].map(ident).join(', ');
        await copyIn(c, `COPY ${qualified(table.schema, logName)} (${all}) FROM STDIN`, [Buffer.from(text)]);
        if (maxId > checkpoint) await setLogCheckpoint(c, table.schema, logName, w.partition, maxId);
        return { written, maxId };
      }, `${table.schema}.${logName}`)
      .catch((e) => {
        this.checkpoints.delete(key);
        throw e;
      });
    this.checkpoints.set(key, { epoch: w.epoch, id: result.maxId });
    return result.written;
  }
}
