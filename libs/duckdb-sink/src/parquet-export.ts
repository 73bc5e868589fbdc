import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TidewaterError } from '@tidewater/errors';
import { PARTITION_COLUMNS, logColumns, partitionColumnName } from '@tidewater/task-plan';
import { ident, literal, qualified } from './names.js';
import { inReadTransaction } from './read-query.js';

export interface ExportOptions {
  /** Absolute directory; `<schema>/` directories are made in it. */
  readonly outDir: string;
  /** Only the tables this task (its name) created; unset: every table the file's tasks created. */
  readonly task?: string;
  /** 0 or unset: 30 minutes. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ExportedObject {
  /** `schema.table` exported. */
  readonly object: string;
  /** The file, or for a Hive-partitioned `_log` the directory, written. */
  readonly path: string;
  readonly rows: number;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/**
 * Writes every migrated table as Parquet: `<schema>/<stem>_base.parquet`,
 * `<schema>/<stem>_log/` (Hive-partitioned by the modifytime columns the `_log` table has,
 * else one file `data_0.parquet`) and `<schema>/<stem>_merged.parquet`. Every COPY runs in one
 * read-only transaction, so the files are one consistent snapshot (a `_merged` file is exactly
 * the merge of the `_base` and `_log` files beside it). A previous export of the same objects
 * is replaced.
 */
export async function exportParquet(c: DuckDBConnection, opts: ExportOptions): Promise<ExportedObject[]> {
  if (!isAbsolute(opts.outDir))
    throw new TidewaterError('TW_INTERNAL', `export directory ${opts.outDir} must be absolute`);
  const timeoutMs = opts.timeoutMs || DEFAULT_TIMEOUT_MS;
  return inReadTransaction(c, timeoutMs, opts.signal, 'export', async () => {
    const db = String((await c.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
    const q = (schema: string, table: string) => `${ident(db)}.${qualified(schema, table)}`;
    const families = await migratedFamilies(c, db, opts.task);
    if (families.length === 0) {
      throw new TidewaterError(
        'TW_OBJECT_NOT_FOUND',
        `the warehouse holds no table${opts.task ? ` of task ${opts.task}` : ''} to export`,
        {
          subject: opts.task ?? 'warehouse',
          fix: opts.task
            ? 'check the task name, or export every table with --warehouse FILE'
            : 'run a task on this warehouse first (its schema stage creates the tables)',
        },
      );
    }
    const out: ExportedObject[] = [];
    const copy = async (object: string, select: string, path: string, options = ''): Promise<void> => {
      const r = await c.runAndReadAll(`COPY (${select}) TO ${literal(path)} (FORMAT parquet${options})`);
      out.push({ object, path, rows: Number(r.getRows()[0]?.[0] ?? 0) });
    };
    for (const f of families) {
      const dir = join(opts.outDir, f.schema);
      mkdirSync(dir, { recursive: true });
      await copy(
        `${f.schema}.${f.stem}_base`,
        `SELECT * FROM ${q(f.schema, `${f.stem}_base`)}`,
        join(dir, `${f.stem}_base.parquet`),
      );
      if (f.hasLog) {
        const logDir = join(dir, `${f.stem}_log`);
        rmSync(logDir, { recursive: true, force: true });
        const parts = await partitionColumns(c, db, f.schema, `${f.stem}_log`);
        const select = `SELECT * FROM ${q(f.schema, `${f.stem}_log`)}`;
        if (parts.length)
          await copy(`${f.schema}.${f.stem}_log`, select, logDir, `, PARTITION_BY (${parts.map(ident).join(', ')})`);
        else {
          mkdirSync(logDir, { recursive: true });
          await copy(`${f.schema}.${f.stem}_log`, select, join(logDir, 'data_0.parquet'));
        }
      }
      if (f.hasMerged)
        await copy(
          `${f.schema}.${f.stem}_merged`,
          `SELECT * FROM ${q(f.schema, `${f.stem}_merged`)}`,
          join(dir, `${f.stem}_merged.parquet`),
        );
    }
    return out;
  });
}

interface Family {
  readonly schema: string;
  readonly stem: string;
  readonly hasLog: boolean;
  readonly hasMerged: boolean;
}

/** The table families recorded in `_tidewater.tables` (by the task, when given) that still exist in the file. */
async function migratedFamilies(c: DuckDBConnection, db: string, task: string | undefined): Promise<Family[]> {
  // Owners are `<task name>@<creation time>` (task-state's taskOwner): a task re-created under
  // the same name still finds the tables its predecessor made.
  const byTask = task === undefined ? '' : ` AND split_part(t.task_id, '@', 1) = ${literal(task)}`;
  const rows = (
    await c.runAndReadAll(
      `SELECT DISTINCT t.schema_name, t.table_name FROM _tidewater.tables t
       JOIN information_schema.tables i ON i.table_catalog = ${literal(db)} AND i.table_schema = t.schema_name AND i.table_name = t.table_name
       WHERE true${byTask} ORDER BY 1, 2`,
    )
  ).getRows();
  const names = new Set(rows.map((r) => `${String(r[0])}.${String(r[1])}`));
  const views = new Set(
    (
      await c.runAndReadAll(
        `SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = ${literal(db)} AND table_type = 'VIEW'`,
      )
    )
      .getRows()
      .map((r) => String(r[0])),
  );
  return rows
    .filter((r) => String(r[1]).endsWith('_base'))
    .map((r) => {
      const schema = String(r[0]);
      const stem = String(r[1]).slice(0, -'_base'.length);
      return {
        schema,
        stem,
        hasLog: names.has(`${schema}.${stem}_log`),
        hasMerged: views.has(`${schema}.${stem}_merged`),
      };
    });
}

/**
 * The modifytime columns of a `_log` table, in its column order: the task's
 * `incremental.partition`. The naming rule shows in the record-id column's name.
 */
async function partitionColumns(c: DuckDBConnection, db: string, schema: string, table: string): Promise<string[]> {
  const cols = (
    await c.runAndReadAll(
      `SELECT column_name FROM information_schema.columns WHERE table_catalog = ${literal(db)} AND table_schema = ${literal(schema)} AND table_name = ${literal(table)} ORDER BY ordinal_position`,
    )
  )
    .getRows()
    .map((r) => String(r[0]));
  const rule = cols.includes(logColumns('new').recordId) ? 'new' : 'previous';
  const wanted = new Set<string>(PARTITION_COLUMNS.map((p) => partitionColumnName(p, rule)));
  return cols.filter((n) => wanted.has(n));
}
