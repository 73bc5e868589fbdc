import type { DuckDBConnection } from '@duckdb/node-api';
import { TidewaterError } from '@tidewater/errors';
import type { PartitionWriter } from '@tidewater/task-plan';
import { ident, literal, qualified } from './names.js';

const META = '_tidewater';

/**
 * Schema `_tidewater` of the warehouse file: which tables a task created or adopted, which
 * chunks are committed. It lives in the same file so that it commits in the same transaction
 * as the rows it describes (S1). Also reads the file's own catalog: existing tables and
 * column layouts (cached; ADD COLUMN invalidates).
 */
export class Catalog {
  /** `schema.table` of adopted destination tables (conflictMode: ignore). */
  private readonly adopted = new Set<string>();
  private readonly layouts = new Map<string, string[]>();

  /** `name`: the file's catalog name; every name is qualified with it, since a schema may share it (bench.duckdb holding schema bench). */
  private constructor(readonly name: string) {}

  static async load(c: DuckDBConnection): Promise<Catalog> {
    const catalog = new Catalog(String((await c.runAndReadAll('SELECT current_database()')).getRows()[0]![0]));
    await c.run(`CREATE SCHEMA IF NOT EXISTS ${META}`);
    await c.run(
      `CREATE TABLE IF NOT EXISTS ${META}.chunks (task_id VARCHAR, chunk_id VARCHAR, table_name VARCHAR, row_count BIGINT, committed_at TIMESTAMP)`,
    );
    await c.run(`CREATE TABLE IF NOT EXISTS ${META}.tables (task_id VARCHAR, schema_name VARCHAR, table_name VARCHAR)`);
    // Tables that existed before a conflictMode: ignore task adopted them: their rows are
    // not the task's, so its full copy must not overwrite them.
    await c.run(
      `CREATE TABLE IF NOT EXISTS ${META}.adopted (task_id VARCHAR, schema_name VARCHAR, table_name VARCHAR)`,
    );
    // S2: the record-id checkpoint of each (`_log` table, sink partition); P3: the newest lease
    // epoch that wrote each partition of a task.
    await c.run(
      `CREATE TABLE IF NOT EXISTS ${META}.log_checkpoints (schema_name VARCHAR, table_name VARCHAR, sink_partition INTEGER, record_id BIGINT)`,
    );
    await c.run(
      `CREATE TABLE IF NOT EXISTS ${META}.partition_fences (task_id VARCHAR, sink_partition INTEGER, epoch BIGINT, sink_id VARCHAR, fenced_at TIMESTAMP)`,
    );
    // R1: the last resync generation swapped into each table's `_base`, and its watermark.
    await c.run(
      `CREATE TABLE IF NOT EXISTS ${META}.resyncs (task_id VARCHAR, schema_name VARCHAR, table_name VARCHAR, generation INTEGER, watermark BIGINT, completed_at TIMESTAMP)`,
    );
    for (const r of (await c.runAndReadAll(`SELECT schema_name || '.' || table_name FROM ${META}.adopted`)).getRows())
      catalog.adopted.add(String(r[0]));
    return catalog;
  }

  /** `catalog.schema.table`, quoted. */
  q(schema: string, table: string): string {
    return `${ident(this.name)}.${qualified(schema, table)}`;
  }

  /** `schema.table` names the task recorded as created by it. */
  async ownedTables(c: DuckDBConnection, taskId: string): Promise<Set<string>> {
    return strings(c, `SELECT schema_name || '.' || table_name FROM ${META}.tables WHERE task_id = ${literal(taskId)}`);
  }

  /** `schema.table` of every table in the file. */
  async existingTables(c: DuckDBConnection): Promise<Set<string>> {
    return strings(
      c,
      `SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = ${literal(this.name)}`,
    );
  }

  /** Task ids that created any table in the file. */
  async ownerTasks(c: DuckDBConnection): Promise<string[]> {
    return [...(await strings(c, `SELECT DISTINCT task_id FROM ${META}.tables`))];
  }

  /** Records that the task created `schema.table` (once; `owned` is the task's set, updated). */
  async own(c: DuckDBConnection, taskId: string, schema: string, table: string, owned: Set<string>): Promise<void> {
    const key = `${schema}.${table}`;
    if (owned.has(key)) return;
    await c.run(`INSERT INTO ${META}.tables VALUES (${literal(taskId)}, ${literal(schema)}, ${literal(table)})`);
    owned.add(key);
  }

  isAdopted(schema: string, table: string): boolean {
    return this.adopted.has(`${schema}.${table}`);
  }

  async recordAdopted(c: DuckDBConnection, taskId: string, schema: string, table: string): Promise<void> {
    if (this.isAdopted(schema, table)) return;
    await c.run(`INSERT INTO ${META}.adopted VALUES (${literal(taskId)}, ${literal(schema)}, ${literal(table)})`);
    this.adopted.add(`${schema}.${table}`);
  }

  async committedChunks(c: DuckDBConnection, taskId: string): Promise<Set<string>> {
    return strings(c, `SELECT chunk_id FROM ${META}.chunks WHERE task_id = ${literal(taskId)}`);
  }

  /** S1: read inside the chunk's transaction, so a chunk is checked and recorded atomically with its rows. */
  async chunkCommitted(c: DuckDBConnection, taskId: string, chunkId: string): Promise<boolean> {
    return (
      (
        await c.runAndReadAll(
          `SELECT 1 FROM ${META}.chunks WHERE task_id = ${literal(taskId)} AND chunk_id = ${literal(chunkId)}`,
        )
      ).currentRowCount > 0
    );
  }

  async recordChunk(c: DuckDBConnection, taskId: string, chunkId: string, table: string, rows: number): Promise<void> {
    await c.run(
      `INSERT INTO ${META}.chunks VALUES (${literal(taskId)}, ${literal(chunkId)}, ${literal(table)}, ${rows}, now())`,
    );
  }

  /**
   * P3, inside the write's transaction: refuses a writer whose lease epoch is older than the
   * newest recorded for its partition, and records a newer one.
   */
  async fence(c: DuckDBConnection, w: PartitionWriter): Promise<void> {
    const where = `task_id = ${literal(w.taskId)} AND sink_partition = ${w.partition}`;
    const r = (await c.runAndReadAll(`SELECT max(epoch) FROM ${META}.partition_fences WHERE ${where}`)).getRows();
    const newest = r[0]?.[0] == null ? -1 : Number(r[0][0]);
    if (newest > w.epoch) throw partitionLost(w, newest);
    if (newest === w.epoch) return;
    await c.run(`DELETE FROM ${META}.partition_fences WHERE ${where}`);
    await c.run(
      `INSERT INTO ${META}.partition_fences VALUES (${literal(w.taskId)}, ${w.partition}, ${w.epoch}, ${literal(w.sinkId)}, now())`,
    );
  }

  /**
   * S2: the partition's checkpoint of a `_log` table. A table with no checkpoint row at all
   * was written before checkpoints were kept per partition: its max(record_id) stands. One
   * statement, so one snapshot: read apart, another partition's first commit landing between
   * "no checkpoint row" and max(record_id) would hand this partition that partition's
   * checkpoint, and its rows below it would be skipped.
   */
  async logCheckpoint(
    c: DuckDBConnection,
    schema: string,
    logTable: string,
    partition: number,
    recordIdCol: string,
  ): Promise<bigint> {
    const of = `${META}.log_checkpoints WHERE schema_name = ${literal(schema)} AND table_name = ${literal(logTable)}`;
    const r = await c.runAndReadAll(
      `SELECT CASE WHEN EXISTS (SELECT 1 FROM ${of})
         THEN coalesce((SELECT max(record_id) FROM ${of} AND sink_partition = ${partition}), -1)
         ELSE (SELECT coalesce(max(${ident(recordIdCol)}), -1) FROM ${this.q(schema, logTable)}) END::BIGINT`,
    );
    return BigInt(r.getRows()[0]![0] as bigint);
  }

  async setLogCheckpoint(
    c: DuckDBConnection,
    schema: string,
    logTable: string,
    partition: number,
    recordId: bigint,
  ): Promise<void> {
    const where = `schema_name = ${literal(schema)} AND table_name = ${literal(logTable)} AND sink_partition = ${partition}`;
    await c.run(`DELETE FROM ${META}.log_checkpoints WHERE ${where}`);
    await c.run(
      `INSERT INTO ${META}.log_checkpoints VALUES (${literal(schema)}, ${literal(logTable)}, ${partition}, ${recordId})`,
    );
  }

  /** Column names of `schema.table` in physical order, cached until `forgetLayout`. */
  async layout(c: DuckDBConnection, schema: string, table: string): Promise<string[]> {
    const key = `${schema}.${table}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = await this.columnsOf(c, schema, table);
      this.layouts.set(key, layout);
    }
    return layout;
  }

  forgetLayout(schema: string, table: string): void {
    this.layouts.delete(`${schema}.${table}`);
  }

  /** Column names of `schema.table` in physical order, read now (uncached). */
  async columnsOf(c: DuckDBConnection, schema: string, table: string): Promise<string[]> {
    const rows = await c.runAndReadAll(
      `SELECT column_name FROM information_schema.columns WHERE table_catalog = ${literal(this.name)} AND table_schema = ${literal(schema)} AND table_name = ${literal(table)} ORDER BY ordinal_position`,
    );
    return rows.getRows().map((r) => String(r[0]));
  }

  /** `count(*)` of a table (the demo compares it with the source). */
  async rowCount(c: DuckDBConnection, schema: string, table: string): Promise<bigint> {
    return BigInt(String((await c.runAndReadAll(`SELECT count(*) FROM ${this.q(schema, table)}`)).getRows()[0]![0]));
  }
}

function partitionLost(w: PartitionWriter, newest: number): TidewaterError {
  return new TidewaterError(
    'TW_PARTITION_LOST',
    `sink ${w.sinkId} lost partition ${w.partition} of task ${w.taskId}: epoch ${newest} wrote after its epoch ${w.epoch}`,
    { subject: `partition ${w.partition}`, fix: 'none needed: the partition has a new owner' },
  );
}

async function strings(c: DuckDBConnection, sql: string): Promise<Set<string>> {
  return new Set((await c.runAndReadAll(sql)).getRows().map((r) => String(r[0])));
}
