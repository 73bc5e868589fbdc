import type { RowSet } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import type { DestTable, PartitionWriter, TableOptions } from '@tidewater/task-plan';
import { copyIn, type Client, type Connection } from './connection.js';
import { chunkCommitted, columnsOf, fence, isAdopted, recordChunk } from './catalog.js';
import { carriedColumns, copyRows, rowFields } from './copy-text.js';
import { ident, qualified } from './names.js';
import { postgresType } from './type-mapping.js';
import { ensureStaging, resyncStagingName } from './resync.js';

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
  generation = 0,
): Promise<boolean> {
  // A resync chunk (R1) goes to its generation's staging table; `_base` stays as it is until the swap.
  const base = generation > 0 ? resyncStagingName(table.stem, generation) : `${table.stem}_base`;
  return conn.tx(async (c) => {
    await fence(c, writer);
    if (await chunkCommitted(c, writer.taskId, chunkId)) return false;
    // An adopted table: rows go through a staging table and only keys it lacks are inserted
    // (the full copy keeps the destination's row on a key conflict).
    const adopted = generation === 0 && (await isAdopted(c, table.schema, base));
    if (generation > 0) await ensureStaging(c, table, generation);
    // Only columns the table has (a column of a newer schema version is added first) and the
    // rows carry (carriedColumns: one added since they were read takes its default). A chunk's
    // row sets come from one read; they are grouped by shape all the same, one COPY per shape.
    const have = adopted ? undefined : new Set(await columnsOf(c, table.schema, base));
    const names = table.columns.map((col) => col.name).filter((n) => !have || have.has(n));
    let rows = 0;
    for (const [carried, group] of byCarried(table, names, rowsets)) {
      let target = qualified(table.schema, base);
      if (adopted) {
        target = 'pg_temp.tw_stage';
        const cols = carried.map((n) => table.columns.find((col) => col.name === n)!);
        const defs = cols.map((col) => `${ident(col.name)} ${postgresType(col, opts.temporalMapping)}`);
        await c.query('DROP TABLE IF EXISTS pg_temp.tw_stage');
        await c.query(`CREATE TEMP TABLE tw_stage (${defs.join(', ')}) ON COMMIT DROP`);
      }
      // One piece of COPY text per row set, made as the COPY stream asks for it.
      await copyIn(c, `COPY ${target} (${carried.map(ident).join(', ')}) FROM STDIN`, pieces());
      function* pieces(): Generator<Buffer> {
        for (const rs of group) {
          yield copyRows(rowFields(table, carried, rs, opts.temporalMapping), rs.rowCount);
          rows += rs.rowCount;
        }
      }
      if (adopted) await insertMissingKeys(c, table, carried);
    }
    await recordChunk(c, writer.taskId, chunkId, `${table.schema}.${table.stem}`, rows);
    return true;
  }, `${table.schema}.${base}`);
}

/** Row sets by the columns of `names` they carry, in order of first appearance. */
function byCarried(table: DestTable, names: readonly string[], rowsets: readonly RowSet[]): [string[], RowSet[]][] {
  const groups = new Map<string, [string[], RowSet[]]>();
  for (const rs of rowsets) {
    const carried = carriedColumns(table, names, rs);
    const key = carried.join('\0');
    const g = groups.get(key) ?? groups.set(key, [carried, []]).get(key)!;
    g[1].push(rs);
  }
  return [...groups.values()];
}

/** From the staging table (columns `staged`) into `_base`: the rows whose key `_base` lacks. */
async function insertMissingKeys(c: Client, table: DestTable, staged: readonly string[]): Promise<void> {
  const base = qualified(table.schema, `${table.stem}_base`);
  const have = new Set(await columnsOf(c, table.schema, `${table.stem}_base`));
  const common = staged
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
