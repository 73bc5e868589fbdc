// Every default of a task spec, in one place. docs/task-spec.md mirrors this file.
export const DEFAULTS = {
  sourcePort: 3306,
  sourceUser: 'root',
  destination: { type: 'duckdb', path: './warehouse.duckdb' },
  migrationTypes: ['schema', 'full'],
  full: { chunkRows: 50_000, batchRows: 2_000, parallelChunks: 4 },
  incremental: { additionalColumnRule: 'previous', partition: [], batchRows: 5_000, flushMs: 50 },
  conflictMode: 'precheck',
  temporalMapping: 'native',
  retry: { connectionMinutes: 720, otherMinutes: 10 },
  capitalization: 'dts',
  heartbeat: { enabled: false, table: 'tidewater.heartbeat', intervalMs: 1_000 },
} as const;

export const LIMITS = {
  chunkRows: [100, 10_000_000],
  batchRows: [1, 100_000],
  parallelChunks: [1, 64],
  flushMs: [1, 60_000],
  retryConnectionMinutes: [10, 1440],
  retryOtherMinutes: [1, 1440],
  /** Rates (queries, rows or MB per second); 0 = unlimited. */
  throttle: [0, 100_000_000],
  /** full.chunkRows / full.batchRows: batches the sink holds per chunk (10,000 may be pending per partition). */
  batchesPerChunk: 1_000,
  heartbeatMs: [100, 60_000],
} as const;
