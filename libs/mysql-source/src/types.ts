import type { Scalar, TableRef, TableSchema } from '@tidewater/proto';
import type { CanonicalValue } from '@tidewater/rowcodec';

/** Public types of the source adapter. No mysql2 type appears here (or anywhere public). */

/** How to reach a source; the one declaration (libs/binlog's reader takes it too). */
export interface SourceConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Absent = `{ mode: 'preferred' }`. Applies to every connection, the binlog stream's too (tls.ts). */
  tls?: SourceTls;
}

/** How connections to the source are encrypted (the task spec's `source.tls`). */
export interface SourceTls {
  mode: 'disabled' | 'preferred' | 'required' | 'verify-ca' | 'verify-full';
  /** PEM file paths, read at connect time. */
  ca?: string;
  cert?: string;
  key?: string;
}

/** `tables` omitted = every base table of the database but those in `exclude` (views are never selected). */
export interface ObjectSelection {
  database: string;
  tables?: string[];
  exclude?: string[];
}

/**
 * A key range of a table, on `schema.keyColumns` in the server's own ordering: `lower` is
 * exclusive, `upper` inclusive, an empty array is an open end. The chunks of one plan cover
 * the whole key space, in order, without gaps or overlaps.
 */
export interface ChunkBounds {
  lower: Scalar[];
  upper: Scalar[];
  estimatedRows: bigint;
}

export interface BinlogSettings {
  /** log_bin, or PolarDB's (loose_)polar_log_bin. */
  logBin: boolean;
  /** binlog_format, upper case ('ROW'). */
  format: string;
  /** binlog_row_image, upper case ('FULL'). */
  rowImage: string;
  /** Binlog retention in seconds; null = never purged automatically. */
  expireSeconds: number | null;
  /** MySQL's gtid_mode (OFF/ON/…); absent on MariaDB, whose binlog always carries GTIDs. */
  gtidMode?: string;
  flavor: 'mariadb' | 'mysql';
  /** SELECT VERSION() as the server answers, e.g. '10.11.19-MariaDB-0+deb12u1-log'. */
  version: string;
  /** binlog_transaction_compression is ON (MySQL 8.0.20+): the binlog reader cannot decode it. */
  compression: boolean;
  /** binlog_row_value_options = PARTIAL_JSON (MySQL 8): JSON updates logged as diffs the reader cannot apply. */
  partialJson: boolean;
}

/** A place in the source's binlog as the server names it (libs/binlog makes positions of it). */
export interface BinlogCoordinates {
  file: string;
  pos: bigint;
  /** GTIDs executed up to exactly `file:pos` (MySQL set / MariaDB position); '' when unknown. */
  gtid: string;
  /** The server whose binlog this is: "mariadb:<server_id>" or "mysql:<server_uuid>". */
  server: string;
}

/** The source's binlog as a resume needs it: whose it is, what it still holds, how far its GTIDs go. */
export interface BinlogState {
  server: string;
  /** SHOW BINARY LOGS: oldest first. */
  files: { name: string; size: bigint }[];
  /** GTIDs in the server's binlog now (MySQL gtid_executed, MariaDB gtid_binlog_pos). */
  gtid: string;
  /** A dump can start from GTIDs (MariaDB always; MySQL with gtid_mode=ON). */
  gtidResume: boolean;
  /** MariaDB: the GTID position at the place asked about, when the server has that place. */
  gtidAt?: string;
}

export interface ReadChunkOptions {
  rowsPerBatch: number;
  /**
   * A row filter (SQL boolean expression) ANDed to the range. Inserted into the SQL as given:
   * the caller must have validated it (the task spec's filter validation).
   */
  filterSql?: string;
  signal?: AbortSignal;
}

/** A column as the source has it now (information_schema COLUMN_NAME, COLUMN_TYPE). */
export interface LiveColumn {
  name: string;
  columnType: string;
}

export interface SourceClient {
  readSchemas(objects: ObjectSelection[]): Promise<TableSchema[]>;
  /** The table's columns now, in order; empty when the table is gone. One catalog query. */
  readColumns(table: TableRef): Promise<LiveColumn[]>;
  estimateRows(table: TableRef): Promise<bigint>;
  planChunks(schema: TableSchema, opts: { targetRows: number }): Promise<ChunkBounds[]>;
  readChunk(
    schema: TableSchema,
    bounds: Pick<ChunkBounds, 'lower' | 'upper'>,
    opts: ReadChunkOptions,
  ): AsyncIterable<CanonicalValue[][]>;
  binlogSettings(): Promise<BinlogSettings>;
  /** The end of the binlog now (SHOW MASTER STATUS); undefined when binary logging is off. */
  binlogEnd(): Promise<BinlogCoordinates | undefined>;
  /** Server identity, files and GTIDs, for checking a saved position; undefined when binary logging is off. */
  binlogState(at?: { file: string; pos: bigint }): Promise<BinlogState | undefined>;
  /** Rows as arrays of canonical values, in order on one session (SET SESSION persists). */
  query(sql: string, params?: unknown[]): Promise<unknown[][]>;
  close(): Promise<void>;
}
