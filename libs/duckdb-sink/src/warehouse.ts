import type { ColumnDef, RowSet } from '@tidewater/proto';
import type { DestTable, Destination, PartitionWriter, TableOptions } from '@tidewater/task-plan';
import { ConnectionPool } from './connection-pool.js';
import { Catalog } from './catalog.js';
import { addColumns, ensureTables } from './table-ddl.js';
import { commitChunk } from './chunk-writer.js';
import { completeResync } from './resync.js';
import { LogWriter } from './log-writer.js';
import { runRead, type QueryResult, type ReadLimits } from './read-query.js';
import { exportParquet, type ExportedObject, type ExportOptions } from './parquet-export.js';

/**
 * The embedded destination: one DuckDB file laid out like a MaxCompute project (schema per
 * source database; `<t>_base`, `<t>_log`, `<t>_merged`). Bookkeeping lives in schema
 * `_tidewater` of the same file (`catalog.ts`) so that it commits in the same transaction as
 * the rows it describes: chunks in `chunk-writer.ts` (S1), change rows in `log-writer.ts` (S2).
 * Its only SQL from outside is a read (`query`, `exportParquet`: `tidewater query` / `export`
 * while a task runs), guarded to one read-only statement on a connection of its own; tests
 * read the file through `WarehouseSession`.
 */
export class DuckDbWarehouse implements Destination {
  private constructor(
    private readonly pool: ConnectionPool,
    private readonly catalog: Catalog,
    private readonly log: LogWriter,
  ) {}

  get path(): string {
    return this.pool.path;
  }

  /** `memoryLimit`: DuckDB's cache cap (e.g. '256MB'); unset = DuckDB's default (80% of RAM). */
  static async open(path: string, opts: { memoryLimit?: string } = {}): Promise<DuckDbWarehouse> {
    const pool = await ConnectionPool.open(path, opts);
    const catalog = await pool.with((c) => Catalog.load(c));
    return new DuckDbWarehouse(pool, catalog, new LogWriter(catalog));
  }

  async close(): Promise<void> {
    this.pool.close();
  }

  /** The file and DuckDB's version, for the precheck. */
  async describe(): Promise<string> {
    const v = await this.pool.with(async (c) => (await c.runAndReadAll('SELECT version()')).getRows()[0]![0]);
    return `${this.path}, DuckDB ${String(v)}`;
  }

  async ensureTables(taskId: string, tables: readonly DestTable[], opts: TableOptions): Promise<void> {
    await this.pool.with((c) => ensureTables(c, this.catalog, this.path, taskId, tables, opts));
  }

  /**
   * Which of the given `schema.table` names already exist and were not created by this
   * task: the destination-conflict precheck item.
   */
  async foreignTables(taskId: string, names: readonly string[]): Promise<string[]> {
    return this.pool.with(async (c) => {
      const owned = await this.catalog.ownedTables(c, taskId);
      const existing = await this.catalog.existingTables(c);
      return names.filter((n) => existing.has(n) && !owned.has(n));
    });
  }

  /** Chunk ids already committed for a task (loaded once at sink start). */
  async committedChunks(taskId: string): Promise<Set<string>> {
    return this.pool.with((c) => this.catalog.committedChunks(c, taskId));
  }

  /** S1: false (nothing written) when the chunk was committed before. `generation` > 0: into that resync's staging table (R1). */
  async commitChunk(
    writer: PartitionWriter,
    chunkId: string,
    table: DestTable,
    rowsets: readonly RowSet[],
    opts: Pick<TableOptions, 'temporalMapping'>,
    generation = 0,
  ): Promise<boolean> {
    return this.pool.with((c) => commitChunk(c, this.catalog, writer, chunkId, table, rowsets, opts, generation));
  }

  /** R1: swaps the generation's staging rows into `_base` with the watermark, in one transaction; once per generation. */
  async completeResync(
    taskId: string,
    table: DestTable,
    generation: number,
    watermark: bigint,
    opts: TableOptions,
  ): Promise<void> {
    await this.pool.with((c) => completeResync(c, this.catalog, taskId, table, generation, watermark, opts));
  }

  /** S2: rows at or below the partition's checkpoint of the table are skipped. Returns the number of rows written. */
  async appendLog(
    writer: PartitionWriter,
    table: DestTable,
    rs: RowSet,
    opts: Pick<TableOptions, 'temporalMapping' | 'additionalColumnRule' | 'partition'>,
  ): Promise<number> {
    return this.pool.with((c) => this.log.append(c, writer, table, rs, opts));
  }

  async addColumns(table: DestTable, added: readonly ColumnDef[], opts: TableOptions): Promise<void> {
    await this.pool.exclusive((c) => addColumns(c, this.catalog, table, added, opts));
  }

  /** Rows in `schema.table` (the demo compares them with the source). */
  async rowCount(schema: string, table: string): Promise<bigint> {
    return this.pool.with((c) => this.catalog.rowCount(c, schema, table));
  }

  /** One read-only statement (`read-guard.ts`), in a rolled-back transaction beside the writes. */
  async query(sql: string, limits: ReadLimits): Promise<QueryResult> {
    return this.pool.withOwn((c) => runRead(c, sql, limits));
  }

  /** Parquet files of the migrated tables, one consistent snapshot (`parquet-export.ts`). */
  async exportParquet(opts: ExportOptions): Promise<ExportedObject[]> {
    return this.pool.withOwn((c) => exportParquet(c, opts));
  }

  /** Task ids that created tables in this file. */
  async ownerTasks(): Promise<string[]> {
    return this.pool.with((c) => this.catalog.ownerTasks(c));
  }
}
