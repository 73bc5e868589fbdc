import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnDef } from '@tidewater/proto';
import { TidewaterError, assert } from '@tidewater/errors';
import { duckdbType } from './type-mapping.js';
import { ident, literal } from './names.js';
import { logColumns, partitionColumnName, type DestTable, type TableOptions } from '@tidewater/task-plan';
import { mergedViewSql } from './merged-view.js';
import type { Catalog } from './catalog.js';

/**
 * Schema migration: creates `_base` (and `_log` + `_merged` when incremental) for every
 * table. Idempotent for the task that created them; a table created by anything else is a
 * conflict under conflictMode 'precheck'.
 */
export async function ensureTables(
  c: DuckDBConnection,
  catalog: Catalog,
  path: string,
  taskId: string,
  tables: readonly DestTable[],
  opts: TableOptions,
): Promise<void> {
  const owned = await catalog.ownedTables(c, taskId);
  const existing = await catalog.existingTables(c);
  for (const t of tables) {
    const names = [`${t.stem}_base`, ...(opts.incremental ? [`${t.stem}_log`] : [])];
    for (const name of names) {
      const key = `${t.schema}.${name}`;
      if (!existing.has(key) || owned.has(key)) continue;
      if (opts.conflictMode === 'precheck') {
        throw new TidewaterError('TW_DEST_CONFLICT', `destination table ${key} already exists`, {
          subject: key,
          fix: `drop or rename ${key} in ${path}, map the table to another name, or set conflictMode: ignore`,
        });
      }
      await adopt(c, catalog, taskId, t, name, opts);
    }
    await c.run(`CREATE SCHEMA IF NOT EXISTS ${ident(catalog.name)}.${ident(t.schema)}`);
    const cols = t.columns.map((col) => `${ident(col.name)} ${duckdbType(col, opts.temporalMapping)}`);
    await c.run(`CREATE TABLE IF NOT EXISTS ${catalog.q(t.schema, `${t.stem}_base`)} (${cols.join(', ')})`);
    await catalog.own(c, taskId, t.schema, `${t.stem}_base`, owned);
    if (opts.incremental) {
      const m = logColumns(opts.additionalColumnRule);
      const clash = t.columns.find((col) => Object.values(m).includes(col.name));
      assert(
        !clash,
        `precheck must refuse ${t.schema}.${t.stem}: column ${clash?.name} collides with an additional column`,
      );
      const meta = [
        `${ident(m.recordId)} BIGINT`,
        `${ident(m.operationFlag)} VARCHAR`,
        `${ident(m.utcTimestamp)} BIGINT`,
        `${ident(m.beforeFlag)} VARCHAR`,
        `${ident(m.afterFlag)} VARCHAR`,
        ...opts.partition.map((p) => `${ident(partitionColumnName(p, opts.additionalColumnRule))} VARCHAR`),
      ];
      await c.run(
        `CREATE TABLE IF NOT EXISTS ${catalog.q(t.schema, `${t.stem}_log`)} (${[...cols, ...meta].join(', ')})`,
      );
      await catalog.own(c, taskId, t.schema, `${t.stem}_log`, owned);
      await c.run(mergedViewSql(await commonShape(c, catalog, t), m, catalog.name));
    }
  }
}

/**
 * conflictMode: ignore — an existing table is written into. Only the columns it shares
 * with the source are migrated; without the key columns (or, for `_log`, the additional
 * columns) rows could not be matched, and that fails clearly instead.
 */
async function adopt(
  c: DuckDBConnection,
  catalog: Catalog,
  taskId: string,
  t: DestTable,
  name: string,
  opts: TableOptions,
): Promise<void> {
  const key = `${t.schema}.${name}`;
  const have = new Set((await catalog.columnsOf(c, t.schema, name)).map((n) => n.toLowerCase()));
  const needed = [
    ...t.keyColumns,
    ...(name.endsWith('_log') ? Object.values(logColumns(opts.additionalColumnRule)) : []),
  ];
  const missing = needed.filter((n) => !have.has(n.toLowerCase()));
  if (missing.length) {
    throw new TidewaterError(
      'TW_DEST_CONFLICT',
      `existing destination table ${key} lacks column(s) ${missing.join(', ')}: rows cannot be matched to it`,
      {
        subject: key,
        fix: `add the column(s) to ${key}, drop it, or map the table to another name`,
      },
    );
  }
  await catalog.recordAdopted(c, taskId, t.schema, name);
}

/** The table family restricted to the columns `_base` (and `_log`) really have: the merged view's columns. */
async function commonShape(c: DuckDBConnection, catalog: Catalog, t: DestTable): Promise<DestTable> {
  if (!catalog.isAdopted(t.schema, `${t.stem}_base`) && !catalog.isAdopted(t.schema, `${t.stem}_log`)) return t;
  const base = new Set(await catalog.columnsOf(c, t.schema, `${t.stem}_base`));
  const log = new Set(await catalog.columnsOf(c, t.schema, `${t.stem}_log`));
  return { ...t, columns: t.columns.filter((col) => base.has(col.name) && log.has(col.name)) };
}

/**
 * ADD COLUMN: appends the columns to `_base` and `_log` and rebuilds `_merged` over them.
 * `table` already lists the added columns.
 * Idempotent (a redelivered schema change adds nothing twice).
 */
export async function addColumns(
  c: DuckDBConnection,
  catalog: Catalog,
  table: DestTable,
  added: readonly ColumnDef[],
  opts: TableOptions,
): Promise<void> {
  for (const suffix of ['_base', ...(opts.incremental ? ['_log'] : [])]) {
    for (const col of added) {
      // Existing rows take the column's default, as they do on the source; only a
      // constant default can be reproduced (an expression default fills NULL).
      const fill = constantDefault(col.columnDefault);
      await c.run(
        `ALTER TABLE ${catalog.q(table.schema, `${table.stem}${suffix}`)} ADD COLUMN IF NOT EXISTS ${ident(col.name)} ${duckdbType(col, opts.temporalMapping)}${fill ? ` DEFAULT ${fill}` : ''}`,
      );
    }
  }
  if (opts.incremental) await c.run(mergedViewSql(table, logColumns(opts.additionalColumnRule), catalog.name));
  catalog.forgetLayout(table.schema, `${table.stem}_log`);
  catalog.forgetLayout(table.schema, `${table.stem}_base`);
}

/** A MySQL COLUMN_DEFAULT that is a plain literal, as a DuckDB literal; undefined otherwise. */
function constantDefault(d: string): string | undefined {
  if (/^-?\d+(\.\d+)?$/.test(d)) return d;
  const m = /^'((?:[^'\\]|'')*)'$/.exec(d);
  return m ? literal(m[1]!.replace(/''/g, "'")) : undefined;
}
