import type { ColumnDef, RowSet } from '@tidewater/proto';
import type { DestTable, Destination, PartitionWriter, TableOptions } from '@tidewater/task-plan';
import { Connection, describeUrl } from './connection.js';
import { committedChunks, createCatalog, existingTables, ownedTables } from './catalog.js';
import { addColumns, ensureTables } from './table-ddl.js';
import { commitChunk } from './chunk-writer.js';
import { completeResync } from './resync.js';
import { LogWriter } from './log-writer.js';

/**
 * The PostgreSQL destination: one database laid out like the DuckDB warehouse (schema per
 * source database; `<t>_base`, `<t>_log`, the `<t>_merged` view). Bookkeeping lives in schema
 * `_tidewater` (`catalog.ts`) so that it commits in the same transaction as the rows it
 * describes: chunks in `chunk-writer.ts` (S1), change rows in `log-writer.ts` (S2), each under
 * the partition's lease fence (P3). Unlike a DuckDB file, many sink processes write one
 * database at once: DDL serializes on advisory locks, and every check reads the database.
 */
export class PostgresWarehouse implements Destination {
  private constructor(
    private readonly conn: Connection,
    private readonly log: LogWriter,
  ) {}

  /** `url`: postgres://user:password@host:port/database. Unreachable or refused: TW_DEST_WRITE naming host:port/database. */
  static async open(url: string, opts: { maxConnections?: number } = {}): Promise<PostgresWarehouse> {
    const conn = await Connection.open(url, opts.maxConnections ?? 4);
    try {
      await conn.tx((c) => createCatalog(c));
    } catch (e) {
      await conn.close();
      throw e;
    }
    return new PostgresWarehouse(conn, new LogWriter(conn));
  }

  /** `host:port/database as user`, without the password. */
  static describe(url: string): string {
    return describeUrl(url);
  }

  get server(): string {
    return this.conn.server;
  }

  /** `host:port/database as user, PostgreSQL 16.4`, for the precheck: the server answered, never the password. */
  async describe(): Promise<string> {
    const rows = await this.conn.with((c) => c.query('SHOW server_version'));
    return `${this.conn.server}, PostgreSQL ${String(rows.rows[0]?.server_version ?? '?')}`;
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  async ensureTables(taskId: string, tables: readonly DestTable[], opts: TableOptions): Promise<void> {
    await ensureTables(this.conn, taskId, tables, opts);
  }

  /** Which of the given `schema.table` names exist and were not created by this task. */
  async foreignTables(taskId: string, names: readonly string[]): Promise<string[]> {
    return this.conn.with(async (c) => {
      const owned = await ownedTables(c, taskId);
      const existing = await existingTables(c);
      return names.filter((n) => existing.has(n) && !owned.has(n));
    });
  }

  async committedChunks(taskId: string): Promise<Set<string>> {
    return this.conn.with((c) => committedChunks(c, taskId));
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
    return commitChunk(this.conn, writer, chunkId, table, rowsets, opts, generation);
  }

  /** R1: swaps the generation's staging rows into `_base` with the watermark, in one transaction; once per generation. */
  async completeResync(
    taskId: string,
    table: DestTable,
    generation: number,
    watermark: bigint,
    opts: TableOptions,
  ): Promise<void> {
    await completeResync(this.conn, taskId, table, generation, watermark, opts);
  }

  /** S2: rows at or below the partition's checkpoint of the table are skipped. Returns the rows written. */
  async appendLog(
    writer: PartitionWriter,
    table: DestTable,
    rs: RowSet,
    opts: Pick<TableOptions, 'temporalMapping' | 'additionalColumnRule' | 'partition'>,
  ): Promise<number> {
    return this.log.append(writer, table, rs, opts);
  }

  async addColumns(table: DestTable, added: readonly ColumnDef[], opts: TableOptions): Promise<void> {
    await addColumns(this.conn, table, added, opts);
  }
}
