import type { DuckDBConnection } from '@duckdb/node-api';
import { TidewaterError, isTidewaterError } from '@tidewater/errors';
import { logColumns, type DestTable, type TableOptions } from '@tidewater/task-plan';
import { ident, literal } from './names.js';
import { mergedViewSql } from './merged-view.js';
import { writeError } from './append-values.js';
import type { Catalog } from './catalog.js';

/** The staging table of one resync generation, beside `_base` (`<stem>_base__resync<n>`). */
export function resyncStagingName(stem: string, generation: number): string {
  return `${stem}_base__resync${generation}`;
}

/** Staging tables created through each open warehouse (its Catalog), by table and generation. */
const createdBy = new WeakMap<Catalog, Map<string, Promise<void>>>();

/**
 * Before a resync chunk's transaction: creates the generation's staging table once per
 * process. Partitions commit chunks at once, and DuckDB refuses two transactions creating the
 * same table (a write-write conflict), so creation is one auto-committed statement that the
 * others wait for. A generation already swapped in (a chunk redelivered after a restart) gets
 * no new staging table: its chunk is found committed inside the transaction and nothing is written.
 */
export async function prepareStaging(
  c: DuckDBConnection,
  catalog: Catalog,
  table: DestTable,
  generation: number,
): Promise<void> {
  const key = `${table.schema}.${table.stem}.${generation}`;
  let created = createdBy.get(catalog);
  if (!created) createdBy.set(catalog, (created = new Map()));
  let once = created.get(key);
  if (!once) {
    once = (async () => {
      const where = `schema_name = ${literal(table.schema)} AND table_name = ${literal(table.stem)}`;
      const done = (await c.runAndReadAll(`SELECT max(generation) FROM _tidewater.resyncs WHERE ${where}`)).getRows();
      if (done[0]?.[0] != null && Number(done[0][0]) >= generation) return;
      await ensureStaging(c, catalog, table, generation);
    })();
    created.set(key, once);
    const map = created;
    once.catch(() => map.delete(key));
  }
  await once;
}

/** Creates the generation's staging table shaped like `_base` (physical order included). */
export async function ensureStaging(
  c: DuckDBConnection,
  catalog: Catalog,
  table: DestTable,
  generation: number,
): Promise<void> {
  await c.run(
    `CREATE TABLE IF NOT EXISTS ${catalog.q(table.schema, resyncStagingName(table.stem, generation))} AS SELECT * FROM ${catalog.q(table.schema, `${table.stem}_base`)} LIMIT 0`,
  );
}

/**
 * R1: in one transaction, `_base`'s rows become the staging rows of the generation, the
 * watermark is recorded (the merged view leaves `_log` rows below it out) and the staging table
 * is dropped. Readers see the old copy with the old watermark or the new one with the new, never
 * a mix. A generation already completed (a repeated request) changes nothing.
 */
export async function completeResync(
  c: DuckDBConnection,
  catalog: Catalog,
  taskId: string,
  table: DestTable,
  generation: number,
  watermark: bigint,
  opts: TableOptions,
): Promise<void> {
  const name = `${table.schema}.${table.stem}`;
  if (catalog.isAdopted(table.schema, `${table.stem}_base`))
    throw new TidewaterError(
      'TW_DEST_CONFLICT',
      `${name}_base was adopted (conflictMode: ignore): a resync would replace rows that are not the task's`,
      {
        subject: `${name}_base`,
        fix: 'resync only tables the task created, or copy this one again with a new task',
      },
    );
  const where = `schema_name = ${literal(table.schema)} AND table_name = ${literal(table.stem)}`;
  await c.run('BEGIN TRANSACTION');
  try {
    const done = await c.runAndReadAll(`SELECT max(generation) FROM _tidewater.resyncs WHERE ${where}`);
    const last = done.getRows()[0]?.[0];
    if (last != null && Number(last) >= generation) {
      await c.run('ROLLBACK');
      return;
    }
    await ensureStaging(c, catalog, table, generation);
    const base = catalog.q(table.schema, `${table.stem}_base`);
    const staging = catalog.q(table.schema, resyncStagingName(table.stem, generation));
    // By name: a column added to `_base` after the staging table was made takes its default.
    const have = new Set(await catalog.columnsOf(c, table.schema, resyncStagingName(table.stem, generation)));
    const common = (await catalog.columnsOf(c, table.schema, `${table.stem}_base`)).filter((n) => have.has(n));
    const cols = common.map(ident).join(', ');
    await c.run(`DELETE FROM ${base}`);
    await c.run(`INSERT INTO ${base} (${cols}) SELECT ${cols} FROM ${staging}`);
    await c.run(`DELETE FROM _tidewater.resyncs WHERE ${where}`);
    await c.run(
      `INSERT INTO _tidewater.resyncs VALUES (${literal(taskId)}, ${literal(table.schema)}, ${literal(table.stem)}, ${generation}, ${watermark}, now())`,
    );
    await c.run(`DROP TABLE ${staging}`);
    // A view made before watermarks existed gets the R1 filter now.
    if (opts.incremental) await c.run(mergedViewSql(table, logColumns(opts.additionalColumnRule), catalog.name));
    await c.run('COMMIT');
    catalog.forgetLayout(table.schema, resyncStagingName(table.stem, generation));
  } catch (e) {
    await c.run('ROLLBACK').catch(() => undefined);
    if (isTidewaterError(e)) throw e;
    throw writeError(e, `${name}_base`);
  }
}
