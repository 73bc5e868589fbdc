import type { DuckDBConnection } from '@duckdb/node-api';
import type { RowSet } from '@tidewater/proto';
import { TidewaterError, isTidewaterError } from '@tidewater/errors';
import { duckdbType } from './type-mapping.js';
import { ident } from './names.js';
import { appendAt, columnOrder, nativeFlags, writeError } from './append-values.js';
import type { DestTable, PartitionWriter, TableOptions } from '@tidewater/task-plan';
import type { Catalog } from './catalog.js';
import { prepareStaging, resyncStagingName } from './resync.js';

/**
 * Writes every row of one snapshot chunk into `_base` and records the chunk in
 * `_tidewater.chunks`, in one transaction (invariant S1: a chunk commits once, rows and
 * their checkpoint are one atomic write; P3: only under the partition's newest lease epoch). Returns false (and writes nothing) when the chunk
 * was committed before.
 */
export async function commitChunk(
  c: DuckDBConnection,
  catalog: Catalog,
  writer: PartitionWriter,
  chunkId: string,
  table: DestTable,
  rowsets: readonly RowSet[],
  opts: Pick<TableOptions, 'temporalMapping'>,
  generation = 0,
): Promise<boolean> {
  const taskId = writer.taskId;
  // A resync chunk (R1) goes to its generation's staging table; `_base` stays as it is until the swap.
  const target = generation > 0 ? resyncStagingName(table.stem, generation) : `${table.stem}_base`;
  if (generation > 0) await prepareStaging(c, catalog, table, generation);
  await c.run('BEGIN TRANSACTION');
  try {
    await catalog.fence(c, writer);
    if (await catalog.chunkCommitted(c, taskId, chunkId)) {
      await c.run('ROLLBACK');
      return false;
    }
    let rows = 0;
    const adopted = generation === 0 && catalog.isAdopted(table.schema, `${table.stem}_base`);
    // An adopted table: rows go through a staging table and only keys it lacks are
    // inserted (the full copy keeps the destination's row on a key conflict).
    if (adopted)
      await c.run(
        `CREATE OR REPLACE TEMP TABLE tw_stage (${table.columns.map((col) => `${ident(col.name)} ${duckdbType(col, opts.temporalMapping)}`).join(', ')})`,
      );
    const ap = adopted
      ? await c.createAppender('tw_stage', 'main', 'temp')
      : await c.createAppender(target, table.schema, catalog.name);
    // Physical column order: an ADD COLUMN lands after ETL-computed columns, while the
    // table's column list keeps source columns first. The staging table is in list order.
    const layout = adopted ? table.columns.map((col) => col.name) : await catalog.layout(c, table.schema, target);
    const slot = layout.map((name) => table.columns.findIndex((col) => col.name === name));
    try {
      for (const rs of rowsets) {
        const order = columnOrder(table, rs);
        const native = nativeFlags(order, rs, opts.temporalMapping);
        for (let r = 0; r < rs.rowCount; r++) {
          for (const k of slot) {
            // A column another partition added after these rows were read: its default (append-values.ts).
            if (k < 0) ap.appendDefault();
            else appendAt(ap, rs, order[k]!, r, native[k]!);
          }
          ap.endRow();
        }
        rows += rs.rowCount;
      }
      ap.flushSync();
    } finally {
      ap.closeSync();
    }
    if (adopted) await insertMissingKeys(c, catalog, table);
    await catalog.recordChunk(c, taskId, chunkId, `${table.schema}.${table.stem}`, rows);
    await c.run('COMMIT');
    return true;
  } catch (e) {
    await c.run('ROLLBACK').catch(() => undefined);
    if (isTidewaterError(e)) throw e;
    throw writeError(e, `${table.schema}.${target}`);
  }
}

async function insertMissingKeys(c: DuckDBConnection, catalog: Catalog, table: DestTable): Promise<void> {
  const base = catalog.q(table.schema, `${table.stem}_base`);
  const have = new Set(await catalog.columnsOf(c, table.schema, `${table.stem}_base`));
  const common = table.columns
    .map((col) => col.name)
    .filter((n) => have.has(n))
    .map(ident)
    .join(', ');
  const match = table.keyColumns.map((k) => `b.${ident(k)} = s.${ident(k)}`).join(' AND ');
  try {
    await c.run(
      `INSERT INTO ${base} (${common}) SELECT ${common} FROM temp.main.tw_stage s WHERE NOT EXISTS (SELECT 1 FROM ${base} b WHERE ${match})`,
    );
  } catch (e) {
    throw new TidewaterError(
      'TW_DEST_CONFLICT',
      `rows of ${table.schema}.${table.stem} do not fit the existing table ${table.schema}.${table.stem}_base: ${(e as Error).message}`,
      {
        subject: `${table.schema}.${table.stem}_base`,
        fix: "align the existing table's column types with the source (docs/type-mapping.md), drop it, or map the table to another name",
      },
    );
  } finally {
    await c.run('DROP TABLE IF EXISTS temp.main.tw_stage');
  }
}
