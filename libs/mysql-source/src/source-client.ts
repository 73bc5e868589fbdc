import type { TableRef, TableSchema } from '@tidewater/proto';
import type { CanonicalValue } from '@tidewater/rowcodec';
import { readBinlogSettings, flavorOf } from './binlog-settings.js';
import { readBinlogEnd, readBinlogState } from './binlog-position.js';
import { estimateRows, planChunks } from './chunk-planner.js';
import { readChunk } from './chunk-reader.js';
import { SourceDb } from './connection.js';
import { readSchemas, type Rows } from './schema-reader.js';
import { readColumns } from './live-columns.js';
import type {
  BinlogCoordinates,
  BinlogSettings,
  BinlogState,
  ChunkBounds,
  LiveColumn,
  ObjectSelection,
  ReadChunkOptions,
  SourceClient,
  SourceConnection,
} from './types.js';

const DEFAULT_POOL_SIZE = 4;

/** Connects (pool), verifies the connection and the account, and learns the server flavor. */
export async function openSource(conn: SourceConnection, opts: { poolSize?: number } = {}): Promise<SourceClient> {
  const poolSize = Math.max(1, Math.floor(opts.poolSize ?? DEFAULT_POOL_SIZE));
  const db = await SourceDb.open(conn, poolSize);
  return new MysqlSourceClient(db, flavorOf(db.version));
}

class MysqlSourceClient implements SourceClient {
  private readonly rows: Rows;

  constructor(
    private readonly db: SourceDb,
    private readonly flavor: 'mariadb' | 'mysql',
  ) {
    this.rows = (sql, params, during, subject) => db.rows(sql, params, during, subject);
  }

  readSchemas(objects: ObjectSelection[]): Promise<TableSchema[]> {
    return readSchemas(this.rows, objects, this.flavor);
  }

  readColumns(table: TableRef): Promise<LiveColumn[]> {
    return readColumns(this.rows, table);
  }

  estimateRows(table: TableRef): Promise<bigint> {
    return estimateRows(this.rows, table);
  }

  planChunks(schema: TableSchema, opts: { targetRows: number }): Promise<ChunkBounds[]> {
    return planChunks(this.rows, schema, opts.targetRows);
  }

  readChunk(
    schema: TableSchema,
    bounds: Pick<ChunkBounds, 'lower' | 'upper'>,
    opts: ReadChunkOptions,
  ): AsyncIterable<CanonicalValue[][]> {
    return readChunk(this.db, schema, bounds, opts);
  }

  binlogSettings(): Promise<BinlogSettings> {
    return readBinlogSettings(this.rows);
  }

  binlogEnd(): Promise<BinlogCoordinates | undefined> {
    return readBinlogEnd(this.rows, this.flavor);
  }

  binlogState(at?: { file: string; pos: bigint }): Promise<BinlogState | undefined> {
    return readBinlogState(this.rows, this.flavor, at);
  }

  query(sql: string, params: unknown[] = []): Promise<unknown[][]> {
    return this.db.sessionQuery(sql, params);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
