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
} as const;

export const LIMITS = {
  chunkRows: [100, 10_000_000],
  batchRows: [1, 100_000],
  parallelChunks: [1, 64],
  flushMs: [1, 60_000],
} as const;
