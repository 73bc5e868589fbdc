import type { RowSet } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import type { DestTable, PartitionWriter, TableOptions } from '@tidewater/task-plan';
import { copyIn, type Client, type Connection } from './connection.js';
import { chunkCommitted, columnsOf, fence, isAdopted, recordChunk } from './catalog.js';
import { copyLines, rowEncoders } from './copy-text.js';
import { ident, qualified } from './names.js';
import { postgresType } from './type-mapping.js';

/**
 * Writes every row of one snapshot chunk into `_base` with one streamed COPY and records the
 * chunk in `_tidewater.chunks`, in one transaction (S1: a chunk commits once, rows and their
 * record are one atomic write; P3: only under the partition's newest lease epoch). Returns
 * false (and writes no row) when the chunk was committed before.
 */
export async function commitChunk(
  conn: Connection,
  writer: PartitionWriter,
  chunkId: string,
  table: DestTable,
  rowsets: readonly RowSet[],
  opts: Pick<TableOptions, 'temporalMapping'>,
): Promise<boolean> {
  const base = `${table.stem}_base`;
  return conn.tx(async (c) => {
    await fence(c, writer);
    if (await chunkCommitted(c, writer.taskId, chunkId)) return false;
    // An adopted table: rows go through a staging table and only keys it lacks are inserted
    // (the full copy keeps the destination's row on a key conflict).
    const adopted = await isAdopted(c, table.schema, base);
    let names: string[];
    let target: string;
    if (adopted) {
      names = table.columns.map((col) => col.name);
      target = 'pg_temp.tw_stage';
      const cols = table.columns.map((col) => `${ident(col.name)} ${postgresType(col, opts.temporalMapping)}`);
      await c.query(`CREATE TEMP TABLE tw_stage (${cols.join(', ')}) ON COMMIT DROP`);
    } else {
      // Only columns the table has: a column of a newer schema version is added first.
      const have = new Set(await columnsOf(c, table.schema, base));
      names = table.columns.map((col) => col.name).filter((n) => have.has(n));
      target = qualified(table.schema, base);
    }
    let rows = 0;
    await copyIn(c, `COPY ${target} (${names.map(ident).join(', ')}) FROM STDIN`, copyLines(chunkLines()));
    function* chunkLines(): Generator<string> {
      for (const rs of rowsets) {
        const enc = rowEncoders(table, names, rs, opts.temporalMapping);
        for (let r = 0; r < rs.rowCount; r++) yield `${enc.map((e) => e(r)).join('\t')}\n`;
        rows += rs.rowCount;
      }
    }
    if (adopted) await insertMissingKeys(c, table);
    await recordChunk(c, writer.taskId, chunkId, `${table.schema}.${table.stem}`, rows);
    return true;
  }, `${table.schema}.${base}`);
}

async function insertMissingKeys(c: Client, table: DestTable): Promise<void> {
  const base = qualified(table.schema, `${table.stem}_base`);
  const have = new Set(await columnsOf(c, table.schema, `${table.stem}_base`));
  const common = table.columns
    .map((col) => col.name)
    .filter((n) => have.has(n))
    .map(ident)
    .join(', ');
  const match = table.keyColumns.map((k) => `b.${ident(k)} = s.${ident(k)}`).join(' AND ');
  try {
    await c.query(
      `INSERT INTO ${base} (${common}) SELECT ${common} FROM pg_temp.tw_stage s WHERE NOT EXISTS (SELECT 1 FROM ${base} b WHERE ${match})`,
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
  }
}
