import type { ColumnDef } from '@tidewater/proto';
import { TidewaterError, assert } from '@tidewater/errors';
import { logColumns, partitionColumnName, type DestTable, type TableOptions } from '@tidewater/task-plan';
import { advisoryLock, type Client, type Connection } from './connection.js';
import { columnsOf, existingTables, isAdopted, own, ownedTables, recordAdopted } from './catalog.js';
import { writeMergedView } from './merged-view.js';
import { partitionClause } from './log-partitions.js';
import { ddlLockName, ident, qualified } from './names.js';
import { postgresType } from './type-mapping.js';

/**
 * Schema migration: creates `_base` (and `_log` + `_merged` when incremental) for every
 * table. Several sinks run it at once against one database: each table family is created in
 * one transaction holding the schema's advisory lock, so the second sink finds what the first
 * created (and recorded as its task's) instead of racing it into a duplicate-name error.
 * Idempotent for the task that created the tables; a table created by anything else is a
 * conflict under conflictMode 'precheck', adopted under 'ignore'.
 */
export async function ensureTables(
  conn: Connection,
  taskId: string,
  tables: readonly DestTable[],
  opts: TableOptions,
): Promise<void> {
  for (const t of tables) {
    await conn.tx(async (c) => {
      await advisoryLock(c, ddlLockName(t.schema));
      const owned = await ownedTables(c, taskId);
      const existing = await existingTables(c);
      for (const name of [`${t.stem}_base`, ...(opts.incremental ? [`${t.stem}_log`] : [])]) {
        const key = `${t.schema}.${name}`;
        if (!existing.has(key) || owned.has(key)) continue;
        if (opts.conflictMode === 'precheck') {
          throw new TidewaterError('TW_DEST_CONFLICT', `destination table ${key} already exists`, {
            subject: key,
            fix: `drop or rename ${key} in ${conn.server}, map the table to another name, or set conflictMode: ignore`,
          });
        }
        await adopt(c, taskId, t, name, opts);
      }
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(t.schema)}`);
      const cols = t.columns.map((col) => `${ident(col.name)} ${postgresType(col, opts.temporalMapping)}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${qualified(t.schema, `${t.stem}_base`)} (${cols.join(', ')})`);
      await own(c, taskId, t.schema, `${t.stem}_base`);
      if (!opts.incremental) return;
      const m = logColumns(opts.additionalColumnRule);
      const clash = t.columns.find((col) => Object.values(m).includes(col.name));
      assert(
        !clash,
        `precheck must refuse ${t.schema}.${t.stem}: column ${clash?.name} collides with an additional column`,
      );
      const meta = [
        `${ident(m.recordId)} bigint`,
        `${ident(m.operationFlag)} text`,
        `${ident(m.utcTimestamp)} bigint`,
        `${ident(m.beforeFlag)} text`,
        `${ident(m.afterFlag)} text`,
        ...opts.partition.map((p) => `${ident(partitionColumnName(p, opts.additionalColumnRule))} text`),
      ];
      // Partitioned by the first modifytime_* column; log-partitions.ts adds the levels below.
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${qualified(t.schema, `${t.stem}_log`)} (${[...cols, ...meta].join(', ')})${partitionClause(opts, 0)}`,
      );
      await own(c, taskId, t.schema, `${t.stem}_log`);
      await writeMergedView(c, await commonShape(c, t), m);
    }, `${t.schema}.${t.stem}`);
  }
}

/**
 * conflictMode: ignore — an existing table is written into. Only the columns it shares with
 * the source are migrated; without the key columns (or, for `_log`, the additional columns)
 * rows could not be matched, and that fails clearly instead.
 */
async function adopt(c: Client, taskId: string, t: DestTable, name: string, opts: TableOptions): Promise<void> {
  const key = `${t.schema}.${name}`;
  const have = new Set((await columnsOf(c, t.schema, name)).map((n) => n.toLowerCase()));
  const needed = [
    ...t.keyColumns,
    ...(name.endsWith('_log') ? Object.values(logColumns(opts.additionalColumnRule)) : []),
  ];
  const missing = needed.filter((n) => !have.has(n.toLowerCase()));
  if (missing.length) {
    throw new TidewaterError(
      'TW_DEST_CONFLICT',
      `existing destination table ${key} lacks column(s) ${missing.join(', ')}: rows cannot be matched to it`,
      { subject: key, fix: `add the column(s) to ${key}, drop it, or map the table to another name` },
    );
  }
  await recordAdopted(c, taskId, t.schema, name);
}

/** The table family restricted to the columns `_base` (and `_log`) really have: the merged view's columns. */
async function commonShape(c: Client, t: DestTable): Promise<DestTable> {
  if (!(await isAdopted(c, t.schema, `${t.stem}_base`)) && !(await isAdopted(c, t.schema, `${t.stem}_log`))) return t;
  const base = new Set(await columnsOf(c, t.schema, `${t.stem}_base`));
  const log = new Set(await columnsOf(c, t.schema, `${t.stem}_log`));
  return { ...t, columns: t.columns.filter((col) => base.has(col.name) && log.has(col.name)) };
}

/**
 * ADD COLUMN: appends the columns to `_base` and `_log` (a partitioned `_log` passes it to
 * every partition) and rebuilds `_merged`. `table` already lists the added columns.
 * Idempotent and safe when several sinks race: IF NOT EXISTS under the schema's DDL lock.
 */
export async function addColumns(
  conn: Connection,
  table: DestTable,
  added: readonly ColumnDef[],
  opts: TableOptions,
): Promise<void> {
  await conn.tx(async (c) => {
    await advisoryLock(c, ddlLockName(table.schema));
    for (const suffix of ['_base', ...(opts.incremental ? ['_log'] : [])]) {
      for (const col of added) {
        // Existing rows take the column's default, as they do on the source; only a constant
        // default can be reproduced (an expression default fills NULL).
        const fill = constantDefault(col.columnDefault);
        await c.query(
          `ALTER TABLE ${qualified(table.schema, `${table.stem}${suffix}`)} ADD COLUMN IF NOT EXISTS ${ident(col.name)} ${postgresType(col, opts.temporalMapping)}${fill ? ` DEFAULT ${fill}` : ''}`,
        );
      }
    }
    if (opts.incremental) await writeMergedView(c, await commonShape(c, table), logColumns(opts.additionalColumnRule));
  }, `${table.schema}.${table.stem}`);
}

/** A MySQL COLUMN_DEFAULT that is a plain literal, as a PostgreSQL literal; undefined otherwise. */
function constantDefault(d: string): string | undefined {
  if (/^-?\d+(\.\d+)?$/.test(d)) return d;
  const m = /^'((?:[^'\\]|'')*)'$/.exec(d);
  return m ? `'${m[1]!.replace(/''/g, "'").replace(/'/g, "''")}'` : undefined;
}
