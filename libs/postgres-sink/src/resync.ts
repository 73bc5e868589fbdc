import { createHash } from 'node:crypto';
import { TidewaterError } from '@tidewater/errors';
import { logColumns, type DestTable, type TableOptions } from '@tidewater/task-plan';
import { advisoryLock, type Client, type Connection } from './connection.js';
import { META, columnsOf, isAdopted } from './catalog.js';
import { ddlLockName, ident, qualified } from './names.js';
import { writeMergedView } from './merged-view.js';

/** The staging table of one resync generation, beside `_base`; hashed when over PostgreSQL's 63 bytes. */
export function resyncStagingName(stem: string, generation: number): string {
  const plain = `${stem}_base__resync${generation}`;
  if (Buffer.byteLength(plain) <= 63) return plain;
  return `tw_${createHash('sha256').update(stem).digest('hex').slice(0, 16)}__resync${generation}`;
}

/**
 * Creates the generation's staging table shaped like `_base`, in the caller's transaction.
 * Several sinks may commit the generation's first chunks at once: creation takes the schema's
 * DDL lock, and only when the table is missing, so chunk commits do not serialize on it.
 */
export async function ensureStaging(c: Client, table: DestTable, generation: number): Promise<void> {
  const name = resyncStagingName(table.stem, generation);
  if ((await columnsOf(c, table.schema, name)).length > 0) return;
  await advisoryLock(c, ddlLockName(table.schema));
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${qualified(table.schema, name)} (LIKE ${qualified(table.schema, `${table.stem}_base`)} INCLUDING DEFAULTS)`,
  );
}

/**
 * R1, in one transaction: `_base`'s rows become the generation's staging rows, the watermark
 * is recorded (the merged view leaves `_log` rows below it out) and the staging table is
 * dropped. Readers keep seeing the old copy (MVCC) until it commits, then the new one with its
 * watermark, never a mix. A generation already completed (a repeated request) changes nothing.
 */
export async function completeResync(
  conn: Connection,
  taskId: string,
  table: DestTable,
  generation: number,
  watermark: bigint,
  opts: TableOptions,
): Promise<void> {
  const baseName = `${table.stem}_base`;
  await conn.tx(async (c) => {
    await advisoryLock(c, ddlLockName(table.schema));
    if (await isAdopted(c, table.schema, baseName))
      throw new TidewaterError(
        'TW_DEST_CONFLICT',
        `${table.schema}.${baseName} was adopted (conflictMode: ignore): a resync would replace rows that are not the task's`,
        {
          subject: `${table.schema}.${baseName}`,
          fix: 'resync only tables the task created, or copy this one again with a new task',
        },
      );
    const done = await c.query<{ generation: number }>(
      `SELECT generation FROM ${META}.resyncs WHERE schema_name = $1 AND table_name = $2`,
      [table.schema, table.stem],
    );
    if (done.rows[0] && done.rows[0].generation >= generation) return;
    await ensureStaging(c, table, generation);
    const stagingName = resyncStagingName(table.stem, generation);
    const have = new Set(await columnsOf(c, table.schema, stagingName));
    // By name: a column added to `_base` after the staging table was made takes its default.
    const cols = (await columnsOf(c, table.schema, baseName))
      .filter((n) => have.has(n))
      .map(ident)
      .join(', ');
    const base = qualified(table.schema, baseName);
    const staging = qualified(table.schema, stagingName);
    // DELETE, not TRUNCATE: readers keep their snapshot of the old rows instead of waiting on a lock.
    await c.query(`DELETE FROM ${base}`);
    await c.query(`INSERT INTO ${base} (${cols}) SELECT ${cols} FROM ${staging}`);
    await c.query(
      `INSERT INTO ${META}.resyncs VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (schema_name, table_name) DO UPDATE SET task_id = excluded.task_id, generation = excluded.generation,
         watermark = excluded.watermark, completed_at = excluded.completed_at`,
      [taskId, table.schema, table.stem, generation, watermark.toString()],
    );
    await c.query(`DROP TABLE ${staging}`);
    // A view made before watermarks existed gets the R1 filter now.
    if (opts.incremental) await writeMergedView(c, table, logColumns(opts.additionalColumnRule));
  }, `${table.schema}.${baseName}`);
}
