import type { SourceTlsSpec } from './spec-source-tls.js';
import type { AlertOptions } from './spec-alerts.js';

/** A validated task spec: every default filled in (spec-schema.ts, which is checked against this type), secrets in place. */
export interface TaskSpec {
  readonly name: string;
  readonly source: SourceSpec;
  readonly destination: DestinationSpec;
  readonly migrationTypes: readonly MigrationType[];
  readonly objects: readonly ObjectSpec[];
  readonly full: FullOptions;
  readonly incremental: IncrementalOptions;
  readonly conflictMode: 'precheck' | 'ignore';
  readonly temporalMapping: 'native' | 'string';
  /** Case of destination database, table and column names (DTS "capitalization of object names"). */
  readonly capitalization: Capitalization;
  /** Batch renaming: prefixes and suffixes for every destination database / table. */
  readonly mapping: BatchMapping;
  /** Rate limits of the full copy and the change stream; changeable on a running task. */
  readonly throttle: ThrottleOptions;
  /** Heartbeat table on the source (DTS option): measures lag while the source is idle. */
  readonly heartbeat: HeartbeatOptions;
  readonly retry: RetryOptions;
  /** Sink partitions: fixed at creation (a stored spec from before this key has none). */
  readonly sink: SinkOptions;
  /** Alert rules and webhooks (docs/alerts.md); absent: none. Changeable on a running task. */
  readonly alerts?: AlertOptions;
}

export interface SinkOptions {
  /** 1–64, default 8: change rows spread by row key, chunks by chunk id. */
  readonly partitions: number;
}

/** How long a failing operation is retried before the task fails (DTS's two windows). */
export interface RetryOptions {
  /** Lost connections to the source, bus or destination: 10–1440, default 720. */
  readonly connectionMinutes: number;
  /** Any other retriable error: 1–1440, default 10, smaller than connectionMinutes. */
  readonly otherMinutes: number;
}

export type MigrationType = 'schema' | 'full' | 'incremental';

export interface SourceSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Secret: never logged, never returned by the API (redactSpec). */
  readonly password: string;
  /** Absent = `{ mode: preferred }` (spec-source-tls.ts). */
  readonly tls?: SourceTlsSpec;
}

export interface DestinationSpec {
  readonly type: 'duckdb' | 'postgres';
  /** DuckDB: the warehouse file (also filled, unused, for postgres). */
  readonly path: string;
  /** PostgreSQL: `postgres://user@host:port/database`, never with the password (parse-destination.ts). */
  readonly url?: string;
  /** PostgreSQL: secret: never logged, never returned by the API (redactSpec). */
  readonly password?: string;
}

export interface ObjectSpec {
  readonly database: string;
  /** Destination database (schema) name; default: the source name under `mapping`/`capitalization`. */
  readonly as?: string;
  /** Omitted = every base table of the database. */
  readonly tables?: readonly TableSpec[];
  /** With `tables` omitted: base tables of the database left out (names, case-sensitive). */
  readonly exclude?: readonly string[];
}

export interface TableSpec {
  readonly name: string;
  /** Destination table stem (`<as>_base`, `<as>_log`). */
  readonly as?: string;
  /** Source column → destination column name. */
  readonly columns?: Readonly<Record<string, string>>;
  /** MySQL WHERE expression over the source columns (docs/expressions.md). */
  readonly filter?: string;
  readonly etl?: EtlSpec;
}

/** Per-row transform, applied in the transform service to full and incremental rows (docs/expressions.md). */
export interface EtlSpec {
  /** Source columns not migrated. */
  readonly drop?: readonly string[];
  /** Source column → expression whose value replaces it. */
  readonly set?: Readonly<Record<string, string>>;
  /** New destination columns computed from the row. */
  readonly add?: readonly ComputedColumn[];
  /** Rows for which this expression is not true are not migrated (evaluated in transform only). */
  readonly where?: string;
}

export interface ComputedColumn {
  readonly name: string;
  /** A MySQL column type: bigint, int, double, decimal(p,s), varchar(n), text, date, datetime(n), json. */
  readonly type: string;
  readonly expr: string;
}

export type Capitalization = 'dts' | 'source' | 'lower' | 'upper';

export interface BatchMapping {
  readonly databasePrefix: string;
  readonly databaseSuffix: string;
  readonly tablePrefix: string;
  readonly tableSuffix: string;
}

export interface ThrottleOptions {
  /** Full copy: source queries per second, rows per second, MB per second (0 = unlimited). */
  readonly full: { readonly qps: number; readonly rps: number; readonly mbps: number };
  /** Change stream: rows per second, MB per second (0 = unlimited). */
  readonly incremental: { readonly rps: number; readonly mbps: number };
}

export interface HeartbeatOptions {
  readonly enabled: boolean;
  /** Source table the heartbeat writes (created when absent). */
  readonly table: string;
  readonly intervalMs: number;
}

export interface FullOptions {
  /** Rows per chunk: the unit of work, parallelism and crash recovery of the full copy. */
  readonly chunkRows: number;
  /** Rows per bus message. */
  readonly batchRows: number;
  /** Chunks read concurrently by one snapshot worker. */
  readonly parallelChunks: number;
}

export type PartitionColumn =
  'modifytime_year' | 'modifytime_month' | 'modifytime_day' | 'modifytime_hour' | 'modifytime_minute';

export interface IncrementalOptions {
  /** 'previous': record_id, operation_flag, …; 'new': the same names prefixed new_dts_sync_. */
  readonly additionalColumnRule: 'previous' | 'new';
  readonly partition: readonly PartitionColumn[];
  /** Most rows per bus message; a transaction larger than this still travels whole. */
  readonly batchRows: number;
  /** Longest a change waits in capture before its batch is sent. */
  readonly flushMs: number;
}
