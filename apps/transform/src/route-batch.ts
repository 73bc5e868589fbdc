import type { Batch, RowSet } from '@tidewater/proto';
import { sinkPartition, taskPartitions } from '@tidewater/task-plan';
import { TidewaterError } from '@tidewater/errors';
import type { TablePlan } from './row-plan.js';

export interface TableRoute {
  readonly destSchema: string;
  readonly destTable: string;
  /** Names, filter and ETL of the table's rows; absent = rows pass unchanged. */
  readonly plan?: TablePlan;
}

/**
 * Turns a source batch into sink batches: names each row set's destination table and
 * splits row sets by sink partition (a table always goes to the same partition, so its
 * change rows stay in binlog order). Row values pass through unchanged: they are already
 * in the lossless canonical form.
 */
export function routeBatch(batch: Batch, routes: ReadonlyMap<string, TableRoute>): Map<number, Batch> {
  const out = new Map<number, Batch>();
  for (const rs of batch.tables) {
    const key = `${rs.table?.database}.${rs.table?.table}`;
    const route = routes.get(key);
    if (!route)
      throw new TidewaterError(
        'TW_INTERNAL',
        `batch holds rows of ${key}, which task ${batch.taskId} does not migrate`,
      );
    const planned = route.plan ? route.plan.apply(rs) : rs;
    // Only change rows vanish when filtered out; a chunk part arrives even when empty (S1).
    if (!planned) continue;
    const routed: RowSet = { ...planned, destTable: route.destTable };
    const p = sinkPartition(`${route.destSchema}.${route.destTable}`);
    partitionBatch(out, batch, p).tables.push(routed);
  }
  // A schema change travels with its table's rows, on its table's partition: the sink
  // applies it before any later row of that table.
  for (const change of batch.schemaChanges) {
    const key = `${change.table?.database}.${change.table?.table}`;
    const route = routes.get(key);
    if (!route)
      throw new TidewaterError('TW_INTERNAL', `schema change for ${key}, which task ${batch.taskId} does not migrate`);
    partitionBatch(out, batch, sinkPartition(`${route.destSchema}.${route.destTable}`)).schemaChanges.push(change);
  }
  // Each of the task's partitions sees every change batch, with no rows where it has none:
  // its position moves with the stream, and the applied position is the lowest (P2).
  if (batch.origin?.$case === 'binlog') for (const p of partitionsOf(routes)) partitionBatch(out, batch, p);
  return out;
}

const partitionCache = new WeakMap<ReadonlyMap<string, TableRoute>, number[]>();

function partitionsOf(routes: ReadonlyMap<string, TableRoute>): number[] {
  let ps = partitionCache.get(routes);
  if (!ps) partitionCache.set(routes, (ps = taskPartitions(routes.values())));
  return ps;
}

/**
 * Partition of a single-table batch from its producer's headers, when it can be forwarded
 * as it is (no row-level transform applies): saves decoding and re-encoding every row.
 * Undefined when the headers are missing and the batch must be decoded.
 */
export function passThroughPartition(
  sourceTable: string | undefined,
  routes: ReadonlyMap<string, TableRoute>,
): number | undefined {
  if (!sourceTable) return undefined;
  const route = routes.get(sourceTable);
  if (!route)
    throw new TidewaterError('TW_INTERNAL', `batch holds rows of ${sourceTable}, which this task does not migrate`);
  if (route.plan && !route.plan.identity) return undefined;
  return sinkPartition(`${route.destSchema}.${route.destTable}`);
}

function partitionBatch(out: Map<number, Batch>, batch: Batch, p: number): Batch {
  let b = out.get(p);
  if (!b) {
    b = { ...batch, tables: [], schemaChanges: [] };
    out.set(p, b);
  }
  return b;
}
