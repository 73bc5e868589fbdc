/** A validated task spec: every default filled in (see defaults.ts), secrets in place. */
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
}

export type MigrationType = 'schema' | 'full' | 'incremental';

export interface SourceSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Secret: never logged, never returned by the API (redactSpec). */
  readonly password: string;
}

export type DestinationSpec = { readonly type: 'duckdb'; readonly path: string };

export interface ObjectSpec {
  readonly database: string;
  /** Omitted = every base table of the database. */
  readonly tables?: readonly string[];
}

export interface FullOptions {
  /** Rows per chunk: the unit of work, parallelism and crash recovery of the full copy. */
  readonly chunkRows: number;
  /** Rows per bus message. */
  readonly batchRows: number;
  /** Chunks read concurrently by one snapshot worker. */
  readonly parallelChunks: number;
}

export type PartitionColumn = 'modifytime_year' | 'modifytime_month' | 'modifytime_day' | 'modifytime_hour' | 'modifytime_minute';

export interface IncrementalOptions {
  /** 'previous': record_id, operation_flag, …; 'new': the same names prefixed new_dts_sync_. */
  readonly additionalColumnRule: 'previous' | 'new';
  readonly partition: readonly PartitionColumn[];
  /** Most rows per bus message; a transaction larger than this still travels whole. */
  readonly batchRows: number;
  /** Longest a change waits in capture before its batch is sent. */
  readonly flushMs: number;
}
