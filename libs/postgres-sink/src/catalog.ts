import { TidewaterError } from '@tidewater/errors';
import type { PartitionWriter } from '@tidewater/task-plan';
import { advisoryLock, type Client } from './connection.js';
import { ddlLockName, ident, qualified } from './names.js';

export const META = '_tidewater';

/**
 * Schema `_tidewater` of the warehouse database: which tables a task created or adopted,
 * which chunks are committed (S1), the change checkpoint per (`_log` table, sink partition)
 * (S2), the newest lease epoch per partition (P3) and an audit row per (partition, epoch).
 * It lives in the same database so that it commits in the same transaction as the rows it
 * describes. Several sink processes share it: every check reads it inside the write's
 * transaction, under the partition's fence row lock, never from a cache another sink could
 * have made stale.
 */
export async function createCatalog(c: Client): Promise<void> {
  await advisoryLock(c, ddlLockName(META));
  await c.query(`CREATE SCHEMA IF NOT EXISTS ${META}`);
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.tables (task_id text, schema_name text, table_name text, PRIMARY KEY (task_id, schema_name, table_name))`,
  );
  // Tables that existed before a conflictMode: ignore task adopted them: their rows are not
  // the task's, so its full copy must not overwrite them.
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.adopted (task_id text, schema_name text, table_name text, PRIMARY KEY (task_id, schema_name, table_name))`,
  );
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.chunks (task_id text, chunk_id text, table_name text, row_count bigint, committed_at timestamptz, PRIMARY KEY (task_id, chunk_id))`,
  );
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.log_checkpoints (schema_name text, table_name text, sink_partition integer, record_id bigint, PRIMARY KEY (schema_name, table_name, sink_partition))`,
  );
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.partition_fences (task_id text, sink_partition integer, epoch bigint, sink_id text, fenced_at timestamptz, PRIMARY KEY (task_id, sink_partition))`,
  );
  // R1: the last resync generation swapped into each table's `_base`, and its watermark.
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.resyncs (task_id text, schema_name text, table_name text, generation integer, watermark bigint, completed_at timestamptz, PRIMARY KEY (schema_name, table_name))`,
  );
  // Audit: the span each (partition, epoch) wrote in. Writers of a partition serialize on its
  // fence row and an older epoch is refused, so the spans of one partition never overlap.
  await c.query(
    `CREATE TABLE IF NOT EXISTS ${META}.partition_writes (task_id text, sink_partition integer, epoch bigint, sink_id text, first_at timestamptz, last_at timestamptz, commits bigint, PRIMARY KEY (task_id, sink_partition, epoch))`,
  );
}

/**
 * P3, inside the write's transaction: locks the partition's fence row (every writer of the
 * partition waits here until the previous one commits), refuses an epoch older than the
 * newest recorded, records a newer one and the audit row of this commit.
 */
export async function fence(c: Client, w: PartitionWriter): Promise<void> {
  await c.query(
    `INSERT INTO ${META}.partition_fences VALUES ($1, $2, $3, $4, clock_timestamp()) ON CONFLICT (task_id, sink_partition) DO NOTHING`,
    [w.taskId, w.partition, w.epoch, w.sinkId],
  );
  const r = await c.query<{ epoch: string }>(
    `SELECT epoch FROM ${META}.partition_fences WHERE task_id = $1 AND sink_partition = $2 FOR UPDATE`,
    [w.taskId, w.partition],
  );
  const newest = Number(r.rows[0]!.epoch);
  if (newest > w.epoch) throw partitionLost(w, newest);
  if (newest < w.epoch)
    await c.query(
      `UPDATE ${META}.partition_fences SET epoch = $3, sink_id = $4, fenced_at = clock_timestamp() WHERE task_id = $1 AND sink_partition = $2`,
      [w.taskId, w.partition, w.epoch, w.sinkId],
    );
  await c.query(
    `INSERT INTO ${META}.partition_writes VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp(), 1)
     ON CONFLICT (task_id, sink_partition, epoch) DO UPDATE SET last_at = clock_timestamp(), commits = ${META}.partition_writes.commits + 1`,
    [w.taskId, w.partition, w.epoch, w.sinkId],
  );
}

function partitionLost(w: PartitionWriter, newest: number): TidewaterError {
  return new TidewaterError(
    'TW_PARTITION_LOST',
    `sink ${w.sinkId} lost partition ${w.partition} of task ${w.taskId}: epoch ${newest} wrote after its epoch ${w.epoch}`,
    { subject: `partition ${w.partition}`, fix: 'none needed: the partition has a new owner' },
  );
}

/** S1: read inside the chunk's transaction, after the fence, so check and record are atomic with the rows. */
export async function chunkCommitted(c: Client, taskId: string, chunkId: string): Promise<boolean> {
  const r = await c.query(`SELECT 1 FROM ${META}.chunks WHERE task_id = $1 AND chunk_id = $2`, [taskId, chunkId]);
  return (r.rowCount ?? 0) > 0;
}

export async function recordChunk(c: Client, taskId: string, chunkId: string, table: string, rows: number) {
  await c.query(`INSERT INTO ${META}.chunks VALUES ($1, $2, $3, $4, now())`, [taskId, chunkId, table, rows]);
}

export async function committedChunks(c: Client, taskId: string): Promise<Set<string>> {
  return strings(c, `SELECT chunk_id FROM ${META}.chunks WHERE task_id = $1`, [taskId]);
}

export async function ownedTables(c: Client, taskId: string): Promise<Set<string>> {
  return strings(c, `SELECT schema_name || '.' || table_name FROM ${META}.tables WHERE task_id = $1`, [taskId]);
}

export async function own(c: Client, taskId: string, schema: string, table: string): Promise<void> {
  await c.query(`INSERT INTO ${META}.tables VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [taskId, schema, table]);
}

export async function recordAdopted(c: Client, taskId: string, schema: string, table: string): Promise<void> {
  await c.query(`INSERT INTO ${META}.adopted VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [taskId, schema, table]);
}

/** Adopted by any task: another sink process may have adopted it after this one started. */
export async function isAdopted(c: Client, schema: string, table: string): Promise<boolean> {
  const r = await c.query(`SELECT 1 FROM ${META}.adopted WHERE schema_name = $1 AND table_name = $2`, [schema, table]);
  return (r.rowCount ?? 0) > 0;
}

/** `schema.table` of every table and view (partitions of `_log` tables excluded). */
export async function existingTables(c: Client): Promise<Set<string>> {
  return strings(
    c,
    `SELECT n.nspname || '.' || k.relname FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
     WHERE k.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT k.relispartition
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
    [],
  );
}

/** Column names of `schema.table` in physical order ([] when it does not exist). */
export async function columnsOf(c: Client, schema: string, table: string): Promise<string[]> {
  const r = await c.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [qualified(schema, table)],
  );
  return r.rows.map((x) => x.attname);
}

/** True when `schema.table` is a partitioned table (an adopted `_log` may not be). */
export async function isPartitioned(c: Client, schema: string, table: string): Promise<boolean> {
  const r = await c.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND relkind = 'p'`, [
    qualified(schema, table),
  ]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * S2: the partition's checkpoint of a `_log` table. A table with no checkpoint row at all was
 * written before checkpoints were kept per partition: its max(record_id) stands (as DuckDB's).
 * One statement, so one snapshot: read apart, another partition's first commit landing between
 * "no checkpoint row" and max(record_id) would hand this partition that partition's checkpoint.
 */
export async function logCheckpoint(
  c: Client,
  schema: string,
  logTable: string,
  partition: number,
  recordIdCol: string,
): Promise<bigint> {
  const of = `${META}.log_checkpoints WHERE schema_name = $1 AND table_name = $2`;
  const r = await c.query<{ m: string }>(
    `SELECT (CASE WHEN EXISTS (SELECT 1 FROM ${of})
       THEN coalesce((SELECT max(record_id) FROM ${of} AND sink_partition = $3), -1)
       ELSE (SELECT coalesce(max(${ident(recordIdCol)}), -1) FROM ${qualified(schema, logTable)}) END)::text AS m`,
    [schema, logTable, partition],
  );
  return BigInt(r.rows[0]!.m);
}

export async function setLogCheckpoint(c: Client, schema: string, logTable: string, partition: number, id: bigint) {
  await c.query(
    `INSERT INTO ${META}.log_checkpoints VALUES ($1, $2, $3, $4)
     ON CONFLICT (schema_name, table_name, sink_partition) DO UPDATE SET record_id = excluded.record_id`,
    [schema, logTable, partition, id.toString()],
  );
}

async function strings(c: Client, sql: string, params: unknown[]): Promise<Set<string>> {
  const r = await c.query({ text: sql, values: params, rowMode: 'array' });
  return new Set(r.rows.map((x: unknown[]) => String(x[0])));
}
