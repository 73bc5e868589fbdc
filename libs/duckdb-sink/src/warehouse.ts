import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { ValueEncoding, ChangeKind, type ColumnDef, type RowSet } from '@tidewater/proto';
import { TidewaterError, assert } from '@tidewater/errors';
import { duckdbType } from './type-mapping.js';
import { ident, literal, qualified } from './names.js';
import { appendCell } from './append-values.js';
import { logColumns, partitionColumnName, type DestTable, type TableOptions } from './dest-table.js';
import { mergedViewSql } from './merged-view.js';

const META = '_tidewater';

/**
 * The embedded destination: one DuckDB file laid out like a MaxCompute project (schema per
 * source database; `<t>_base`, `<t>_log`, `<t>_merged`). Bookkeeping lives in schema
 * `_tidewater` of the same file so that it commits in the same transaction as the rows it
 * describes (invariant S1: rows and their checkpoint are one atomic write).
 */
export class DuckDbWarehouse {
  private readonly idle: DuckDBConnection[] = [];
  private readonly logCheckpoints = new Map<string, bigint>();
  /** `schema.table` of adopted destination tables (conflictMode: ignore). */
  private readonly adopted = new Set<string>();
  private closed = false;

  /** The file's catalog name; every name is qualified with it, since a schema may share it (bench.duckdb holding schema bench). */
  private catalog = '';

  private constructor(private readonly instance: DuckDBInstance, readonly path: string) {}

  /** `memoryLimit`: DuckDB's cache cap (e.g. '256MB'); unset = DuckDB's default (80% of RAM). */
  static async open(path: string, opts: { memoryLimit?: string } = {}): Promise<DuckDbWarehouse> {
    let instance: DuckDBInstance;
    try {
      // Extensions never load or download implicitly: the file must work offline.
      instance = await DuckDBInstance.create(path, {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        ...(opts.memoryLimit ? { memory_limit: opts.memoryLimit } : {}),
      });
    } catch (e) {
      throw new TidewaterError('TW_DEST_WRITE', `cannot open DuckDB file ${path}: ${(e as Error).message}`, {
        subject: path,
        fix: 'check the path is writable and no other process holds the file open (DuckDB allows one writer)',
      }, { cause: e });
    }
    const w = new DuckDbWarehouse(instance, path);
    await w.with(async (c) => {
      w.catalog = String((await c.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${META}`);
      await c.run(`CREATE TABLE IF NOT EXISTS ${META}.chunks (task_id VARCHAR, chunk_id VARCHAR, table_name VARCHAR, row_count BIGINT, committed_at TIMESTAMP)`);
      await c.run(`CREATE TABLE IF NOT EXISTS ${META}.tables (task_id VARCHAR, schema_name VARCHAR, table_name VARCHAR)`);
      // Tables that existed before a conflictMode: ignore task adopted them: their rows are
      // not the task's, so its full copy must not overwrite them.
      await c.run(`CREATE TABLE IF NOT EXISTS ${META}.adopted (task_id VARCHAR, schema_name VARCHAR, table_name VARCHAR)`);
      for (const r of (await c.runAndReadAll(`SELECT schema_name || '.' || table_name FROM ${META}.adopted`)).getRows()) w.adopted.add(String(r[0]));
    });
    return w;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.idle.splice(0)) c.closeSync();
    this.instance.closeSync();
  }

  /**
   * Schema migration: creates `_base` (and `_log` + `_merged` when incremental) for every
   * table. Idempotent for the task that created them; a table created by anything else is a
   * conflict under conflictMode 'precheck'.
   */
  async ensureTables(taskId: string, tables: readonly DestTable[], opts: TableOptions): Promise<void> {
    await this.with(async (c) => {
      const owned = new Set(
        (await c.runAndReadAll(`SELECT schema_name || '.' || table_name FROM ${META}.tables WHERE task_id = ${literal(taskId)}`)).getRows().map((r) => String(r[0])),
      );
      const existing = new Set(
        (await c.runAndReadAll(`SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = ${literal(this.catalog)}`)).getRows().map((r) => String(r[0])),
      );
      for (const t of tables) {
        const names = [`${t.stem}_base`, ...(opts.incremental ? [`${t.stem}_log`] : [])];
        for (const name of names) {
          const key = `${t.schema}.${name}`;
          if (!existing.has(key) || owned.has(key)) continue;
          if (opts.conflictMode === 'precheck') {
            throw new TidewaterError('TW_DEST_CONFLICT', `destination table ${key} already exists`, {
              subject: key,
              fix: `drop or rename ${key} in ${this.path}, map the table to another name, or set conflictMode: ignore`,
            });
          }
          await this.adopt(c, taskId, t, name, opts);
        }
        await c.run(`CREATE SCHEMA IF NOT EXISTS ${ident(this.catalog)}.${ident(t.schema)}`);
        const cols = t.columns.map((col) => `${ident(col.name)} ${duckdbType(col, opts.temporalMapping)}`);
        await c.run(`CREATE TABLE IF NOT EXISTS ${this.q(t.schema, `${t.stem}_base`)} (${cols.join(', ')})`);
        await this.own(c, taskId, t.schema, `${t.stem}_base`, owned);
        if (opts.incremental) {
          const m = logColumns(opts.additionalColumnRule);
          const clash = t.columns.find((col) => Object.values(m).includes(col.name));
          assert(!clash, `precheck must refuse ${t.schema}.${t.stem}: column ${clash?.name} collides with an additional column`);
          const meta = [
            `${ident(m.recordId)} BIGINT`, `${ident(m.operationFlag)} VARCHAR`, `${ident(m.utcTimestamp)} BIGINT`,
            `${ident(m.beforeFlag)} VARCHAR`, `${ident(m.afterFlag)} VARCHAR`,
            ...opts.partition.map((p) => `${ident(partitionColumnName(p, opts.additionalColumnRule))} VARCHAR`),
          ];
          await c.run(`CREATE TABLE IF NOT EXISTS ${this.q(t.schema, `${t.stem}_log`)} (${[...cols, ...meta].join(', ')})`);
          await this.own(c, taskId, t.schema, `${t.stem}_log`, owned);
          await c.run(mergedViewSql(await this.commonShape(c, t), m, this.catalog));
        }
      }
    });
  }

  /**
   * Which of the given `schema.table` names already exist and were not created by this
   * task: the destination-conflict precheck item.
   */
  async foreignTables(taskId: string, names: readonly string[]): Promise<string[]> {
    return this.with(async (c) => {
      const owned = new Set(
        (await c.runAndReadAll(`SELECT schema_name || '.' || table_name FROM ${META}.tables WHERE task_id = ${literal(taskId)}`)).getRows().map((r) => String(r[0])),
      );
      const existing = new Set(
        (await c.runAndReadAll(`SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = ${literal(this.catalog)}`)).getRows().map((r) => String(r[0])),
      );
      return names.filter((n) => existing.has(n) && !owned.has(n));
    });
  }

  /**
   * conflictMode: ignore — an existing table is written into. Only the columns it shares
   * with the source are migrated; without the key columns (or, for `_log`, the additional
   * columns) rows could not be matched, and that fails clearly instead.
   */
  private async adopt(c: DuckDBConnection, taskId: string, t: DestTable, name: string, opts: TableOptions): Promise<void> {
    const key = `${t.schema}.${name}`;
    const have = new Set((await this.columnsOf(c, t.schema, name)).map((n) => n.toLowerCase()));
    const needed = [...t.keyColumns, ...(name.endsWith('_log') ? Object.values(logColumns(opts.additionalColumnRule)) : [])];
    const missing = needed.filter((n) => !have.has(n.toLowerCase()));
    if (missing.length) {
      throw new TidewaterError('TW_DEST_CONFLICT', `existing destination table ${key} lacks column(s) ${missing.join(', ')}: rows cannot be matched to it`, {
        subject: key,
        fix: `add the column(s) to ${key}, drop it, or map the table to another name`,
      });
    }
    if (!this.adopted.has(key)) {
      await c.run(`INSERT INTO ${META}.adopted VALUES (${literal(taskId)}, ${literal(t.schema)}, ${literal(name)})`);
      this.adopted.add(key);
    }
  }

  /** The table family restricted to the columns `_base` (and `_log`) really have: the merged view's columns. */
  private async commonShape(c: DuckDBConnection, t: DestTable): Promise<DestTable> {
    if (!this.adopted.has(`${t.schema}.${t.stem}_base`) && !this.adopted.has(`${t.schema}.${t.stem}_log`)) return t;
    const base = new Set(await this.columnsOf(c, t.schema, `${t.stem}_base`));
    const log = new Set(await this.columnsOf(c, t.schema, `${t.stem}_log`));
    return { ...t, columns: t.columns.filter((col) => base.has(col.name) && log.has(col.name)) };
  }

  private async columnsOf(c: DuckDBConnection, schema: string, table: string): Promise<string[]> {
    const rows = await c.runAndReadAll(
      `SELECT column_name FROM information_schema.columns WHERE table_catalog = ${literal(this.catalog)} AND table_schema = ${literal(schema)} AND table_name = ${literal(table)} ORDER BY ordinal_position`,
    );
    return rows.getRows().map((r) => String(r[0]));
  }

  /** Chunk ids already committed for a task (loaded once at sink start). */
  async committedChunks(taskId: string): Promise<Set<string>> {
    return this.with(async (c) => {
      const rows = (await c.runAndReadAll(`SELECT chunk_id FROM ${META}.chunks WHERE task_id = ${literal(taskId)}`)).getRows();
      return new Set(rows.map((r) => String(r[0])));
    });
  }

  /**
   * Writes every row of one snapshot chunk and records the chunk, in one transaction.
   * Returns false (and writes nothing) when the chunk was committed before.
   */
  async commitChunk(taskId: string, chunkId: string, table: DestTable, rowsets: readonly RowSet[], opts: Pick<TableOptions, 'temporalMapping'>): Promise<boolean> {
    return this.with(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        const seen = await c.runAndReadAll(`SELECT 1 FROM ${META}.chunks WHERE task_id = ${literal(taskId)} AND chunk_id = ${literal(chunkId)}`);
        if (seen.currentRowCount > 0) {
          await c.run('ROLLBACK');
          return false;
        }
        let rows = 0;
        const adopted = this.adopted.has(`${table.schema}.${table.stem}_base`);
        // An adopted table: rows go through a staging table and only keys it lacks are
        // inserted (the full copy keeps the destination's row on a key conflict).
        if (adopted) await c.run(`CREATE OR REPLACE TEMP TABLE tw_stage (${table.columns.map((col) => `${ident(col.name)} ${duckdbType(col, opts.temporalMapping)}`).join(', ')})`);
        const ap = adopted ? await c.createAppender('tw_stage', 'main', 'temp') : await c.createAppender(`${table.stem}_base`, table.schema, this.catalog);
        // Physical column order: an ADD COLUMN lands after ETL-computed columns, while the
        // table's column list keeps source columns first. The staging table is in list order.
        const layout = adopted ? table.columns.map((col) => col.name) : await this.logLayout(c, table, `${table.stem}_base`);
        const slot = layout.map((name) => table.columns.findIndex((col) => col.name === name));
        try {
          for (const rs of rowsets) {
            const order = columnOrder(table, rs);
            const native = nativeFlags(order, rs, opts.temporalMapping);
            for (let r = 0; r < rs.rowCount; r++) {
              for (const k of slot) {
                if (k < 0) ap.appendNull();
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
        if (adopted) await this.insertMissingKeys(c, table);
        await c.run(`INSERT INTO ${META}.chunks VALUES (${literal(taskId)}, ${literal(chunkId)}, ${literal(`${table.schema}.${table.stem}`)}, ${rows}, now())`);
        await c.run('COMMIT');
        return true;
      } catch (e) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw wrapWrite(e, `${table.schema}.${table.stem}_base`);
      }
    });
  }

  private async insertMissingKeys(c: DuckDBConnection, table: DestTable): Promise<void> {
    const base = this.q(table.schema, `${table.stem}_base`);
    const have = new Set(await this.columnsOf(c, table.schema, `${table.stem}_base`));
    const common = table.columns.map((col) => col.name).filter((n) => have.has(n)).map(ident).join(', ');
    const match = table.keyColumns.map((k) => `b.${ident(k)} = s.${ident(k)}`).join(' AND ');
    try {
      await c.run(`INSERT INTO ${base} (${common}) SELECT ${common} FROM temp.main.tw_stage s WHERE NOT EXISTS (SELECT 1 FROM ${base} b WHERE ${match})`);
    } catch (e) {
      throw new TidewaterError('TW_DEST_CONFLICT', `rows of ${table.schema}.${table.stem} do not fit the existing table ${table.schema}.${table.stem}_base: ${(e as Error).message}`, {
        subject: `${table.schema}.${table.stem}_base`,
        fix: 'align the existing table\'s column types with the source (docs/type-mapping.md), drop it, or map the table to another name',
      });
    } finally {
      await c.run('DROP TABLE IF EXISTS temp.main.tw_stage');
    }
  }

  /**
   * Appends change rows to `_log`, skipping every row whose record id is at or below the
   * highest already in the table (invariant S2: record ids increase in binlog order and a
   * batch commits whole, so max(record_id) is the exact checkpoint and a redelivered batch
   * writes nothing twice). Returns the number of rows written.
   */
  async appendLog(table: DestTable, rs: RowSet, opts: Pick<TableOptions, 'temporalMapping' | 'additionalColumnRule' | 'partition'>): Promise<number> {
    const m = logColumns(opts.additionalColumnRule);
    const logName = `${table.stem}_log`;
    const key = `${table.schema}.${logName}`;
    return this.with(async (c) => {
      let checkpoint = this.logCheckpoints.get(key);
      if (checkpoint === undefined) {
        const r = await c.runAndReadAll(`SELECT coalesce(max(${ident(m.recordId)}), -1) FROM ${this.q(table.schema, logName)}`);
        checkpoint = BigInt(r.getRows()[0]![0] as bigint);
      }
      const order = columnOrder(table, rs);
      const native = nativeFlags(order, rs, opts.temporalMapping);
      const dataIndex = new Map(table.columns.map((col, k) => [col.name, k]));
      // Physical column order: an ADD COLUMN lands after the metadata columns.
      const layout = await this.logLayout(c, table, logName);
      const metaNames = new Set<string>(Object.values(m));
      const partitions = new Map(opts.partition.map((p) => [partitionColumnName(p, opts.additionalColumnRule), p]));
      let written = 0;
      let maxId = checkpoint;
      await c.run('BEGIN TRANSACTION');
      try {
        const ap = await c.createAppender(logName, table.schema, this.catalog);
        try {
          for (let r = 0; r < rs.rowCount; r++) {
            const id = rs.recordIds[r]!;
            if (id <= checkpoint) continue;
            const kind = rs.kinds[r]!;
            const ts = rs.eventTimes[r]!;
            const iso = partitions.size ? new Date(Number(ts) * 1000).toISOString() : '';
            for (const name of layout) {
              const k = dataIndex.get(name);
              if (k !== undefined && !metaNames.has(name)) appendAt(ap, rs, order[k]!, r, native[k]!);
              else if (name === m.recordId) ap.appendBigInt(id);
              else if (name === m.operationFlag) ap.appendVarchar(OP_FLAG[kind] ?? '?');
              else if (name === m.utcTimestamp) ap.appendBigInt(ts);
              else if (name === m.beforeFlag) ap.appendVarchar(kind === ChangeKind.CHANGE_KIND_DELETE || kind === ChangeKind.CHANGE_KIND_UPDATE_BEFORE ? 'Y' : 'N');
              else if (name === m.afterFlag) ap.appendVarchar(kind === ChangeKind.CHANGE_KIND_INSERT || kind === ChangeKind.CHANGE_KIND_UPDATE_AFTER ? 'Y' : 'N');
              else if (partitions.has(name)) ap.appendVarchar(partitionValue(partitions.get(name)!, iso));
              else ap.appendNull();
            }
            ap.endRow();
            written++;
            if (id > maxId) maxId = id;
          }
          ap.flushSync();
        } finally {
          ap.closeSync();
        }
        await c.run('COMMIT');
      } catch (e) {
        await c.run('ROLLBACK').catch(() => undefined);
        this.logCheckpoints.delete(key);
        throw wrapWrite(e, key);
      }
      this.logCheckpoints.set(key, maxId);
      return written;
    });
  }

  /**
   * ADD COLUMN: appends the columns to `_base` and `_log` and rebuilds `_merged` over them.
   * `table` already lists the added columns.
   * Idempotent (a redelivered schema change adds nothing twice).
   */
  async addColumns(table: DestTable, added: readonly ColumnDef[], opts: TableOptions): Promise<void> {
    await this.with(async (c) => {
      for (const suffix of ['_base', ...(opts.incremental ? ['_log'] : [])]) {
        for (const col of added) {
          // Existing rows take the column's default, as they do on the source; only a
          // constant default can be reproduced (an expression default fills NULL).
          const fill = constantDefault(col.columnDefault);
          await c.run(`ALTER TABLE ${this.q(table.schema, `${table.stem}${suffix}`)} ADD COLUMN IF NOT EXISTS ${ident(col.name)} ${duckdbType(col, opts.temporalMapping)}${fill ? ` DEFAULT ${fill}` : ''}`);
        }
      }
      if (opts.incremental) await c.run(mergedViewSql(table, logColumns(opts.additionalColumnRule), this.catalog));
      this.layouts.delete(`${table.schema}.${table.stem}_log`);
      this.layouts.delete(`${table.schema}.${table.stem}_base`);
    });
  }

  /** Runs a read query (tests, status, tools). Values as DuckDB's JS conversion gives them. */
  async query(sql: string): Promise<unknown[][]> {
    return this.with(async (c) => (await c.runAndReadAll(sql)).getRows() as unknown[][]);
  }

  private readonly layouts = new Map<string, string[]>();

  /** Column names of a `_base`/`_log` table in physical order (cached; ADD COLUMN invalidates). */
  private async logLayout(c: DuckDBConnection, table: DestTable, name: string): Promise<string[]> {
    const key = `${table.schema}.${name}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const rows = await c.runAndReadAll(
        `SELECT column_name FROM information_schema.columns WHERE table_catalog = ${literal(this.catalog)} AND table_schema = ${literal(table.schema)} AND table_name = ${literal(name)} ORDER BY ordinal_position`,
      );
      layout = rows.getRows().map((r) => String(r[0]));
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private q(schema: string, table: string): string {
    return `${ident(this.catalog)}.${qualified(schema, table)}`;
  }

  private async own(c: DuckDBConnection, taskId: string, schema: string, table: string, owned: Set<string>): Promise<void> {
    const key = `${schema}.${table}`;
    if (owned.has(key)) return;
    await c.run(`INSERT INTO ${META}.tables VALUES (${literal(taskId)}, ${literal(schema)}, ${literal(table)})`);
    owned.add(key);
  }

  private async with<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new TidewaterError('TW_INTERNAL', `warehouse ${this.path} is closed`);
    const c = this.idle.pop() ?? (await this.instance.connect());
    try {
      return await fn(c);
    } finally {
      if (this.closed) c.closeSync();
      else this.idle.push(c);
    }
  }
}

const OP_FLAG: Partial<Record<ChangeKind, string>> = {
  [ChangeKind.CHANGE_KIND_INSERT]: 'I',
  [ChangeKind.CHANGE_KIND_UPDATE_BEFORE]: 'U',
  [ChangeKind.CHANGE_KIND_UPDATE_AFTER]: 'U',
  [ChangeKind.CHANGE_KIND_DELETE]: 'D',
};

function partitionValue(p: string, iso: string): string {
  switch (p) {
    case 'modifytime_year': return iso.slice(0, 4);
    case 'modifytime_month': return iso.slice(5, 7);
    case 'modifytime_day': return iso.slice(8, 10);
    case 'modifytime_hour': return iso.slice(11, 13);
    default: return iso.slice(14, 16);
  }
}

/** A MySQL COLUMN_DEFAULT that is a plain literal, as a DuckDB literal; undefined otherwise. */
function constantDefault(d: string): string | undefined {
  if (/^-?\d+(\.\d+)?$/.test(d)) return d;
  const m = /^'((?:[^'\\]|'')*)'$/.exec(d);
  return m ? literal(m[1]!.replace(/''/g, "'")) : undefined;
}

function nativeFlags(order: number[], rs: RowSet, temporal: TableOptions['temporalMapping']): boolean[] {
  return order.map((i) => i >= 0 && temporal === 'native' && isTemporal(rs.columns[i]!.encoding));
}

function appendAt(ap: DuckDBAppender, rs: RowSet, column: number, row: number, nativeTemporal: boolean): void {
  if (column < 0) ap.appendNull();
  else appendCell(ap, rs.columns[column]!, row, nativeTemporal);
}

function isTemporal(e: ValueEncoding): boolean {
  return e === ValueEncoding.VALUE_ENCODING_DATE || e === ValueEncoding.VALUE_ENCODING_DATETIME;
}

/**
 * Index into rs.columns for each destination column, by name; -1 for a column added after
 * the rows were read (written as NULL). Rows newer than the sink's schema wait (retriable)
 * until the task state carries the ADD COLUMN.
 */
function columnOrder(table: DestTable, rs: RowSet): number[] {
  if (rs.schemaVersion > table.version) {
    throw new TidewaterError('TW_DEST_WRITE', `rows of ${table.schema}.${table.stem} have schema version ${rs.schemaVersion}, the sink knows ${table.version}; waiting for the schema change`);
  }
  return table.columns.map((col) => {
    const i = rs.columnNames.indexOf(col.name);
    if (i < 0 && rs.schemaVersion === table.version) {
      throw new TidewaterError('TW_INTERNAL', `batch for ${table.schema}.${table.stem} lacks column ${col.name}`);
    }
    return i;
  });
}

function wrapWrite(e: unknown, table: string): TidewaterError {
  if (e instanceof TidewaterError) return e;
  return new TidewaterError('TW_DEST_WRITE', `write to ${table} failed: ${(e as Error).message}`, { subject: table }, { cause: e });
}
