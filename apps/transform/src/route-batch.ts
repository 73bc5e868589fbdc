import { ChangeKind, type Batch, type RowSet } from '@tidewater/proto';
import { chunkPartition, partitionOfHash, tablePartition, tableSeed } from '@tidewater/task-plan';
import { rowHashes, selectRows } from '@tidewater/rowcodec';
import { TidewaterError } from '@tidewater/errors';
import type { TablePlan } from './row-plan.js';

export interface TableRoute {
  readonly destSchema: string;
  readonly destTable: string;
  /** The table's row key in destination naming (the names rows carry after the plan); empty = unknown. */
  readonly keyColumns: readonly string[];
  /** Names, filter and ETL of the table's rows; absent = rows pass unchanged. */
  readonly plan?: TablePlan;
}

/** How a task's batches are spread: its routes and its fixed number of sink partitions. */
export interface Routing {
  readonly routes: ReadonlyMap<string, TableRoute>;
  readonly partitions: number;
}

/**
 * Turns a source batch into sink batches: names each row set's destination table and splits
 * it by sink partition. A change row goes to hash(dest table, row key) mod partitions, so one
 * table spreads over every partition while each key's changes stay in binlog order on one
 * partition (O1); a snapshot chunk goes whole to hash(dest table, chunk id) (S1). Row values
 * pass through as encoded. The same batch is always split the same way (D1).
 */
export function routeBatch(batch: Batch, routing: Routing): Map<number, Batch> {
  const out = new Map<number, Batch>();
  const origin = batch.origin;
  for (const rs of batch.tables) {
    const route = routeOf(routing, batch.taskId, rs.table, 'batch holds rows of');
    const planned = route.plan ? route.plan.apply(rs) : rs;
    // Only change rows vanish when filtered out; a chunk part arrives even when empty (S1).
    if (!planned) continue;
    const routed: RowSet = { ...planned, destTable: route.destTable };
    if (origin?.$case === 'chunk') {
      const p = chunkPartition(route.destSchema, route.destTable, origin.value.chunkId, routing.partitions);
      partitionBatch(out, batch, p).tables.push(routed);
      continue;
    }
    for (const [p, part] of splitByKey(routed, route, routing.partitions))
      partitionBatch(out, batch, p).tables.push(part);
  }
  // Every partition may hold rows of a changed table, so each applies the ADD COLUMN (the
  // destination makes it idempotent) ahead of any row of the new schema it receives: the
  // sink applies a batch's schema changes before its rows.
  for (const change of batch.schemaChanges) {
    routeOf(routing, batch.taskId, change.table, 'schema change for');
    for (let p = 0; p < routing.partitions; p++) partitionBatch(out, batch, p).schemaChanges.push(change);
  }
  // Each partition sees every change batch, with no rows where it has none: its position
  // moves with the stream, and the applied position is the lowest (P2).
  if (origin?.$case === 'binlog') for (let p = 0; p < routing.partitions; p++) partitionBatch(out, batch, p);
  return out;
}

/**
 * A change row set split by row key, each part keeping the rows' order. Both images of an
 * UPDATE travel together, on the partition of the BEFORE image's key: they share a record id
 * and S2 commits them together. An UPDATE that changes the key therefore leaves the row's new
 * key on the old key's partition while later changes of the new key go to the new key's
 * partition. The merge stays right: it orders a key's `_log` rows by record_id, not by
 * arrival, and each partition's checkpoint (S2) covers only its own rows, so rows of one key
 * committed by two partitions in any order are each written once and merged in binlog order.
 */
function splitByKey(rs: RowSet, route: TableRoute, partitions: number): Map<number, RowSet> {
  // A table without a known row key keeps one ordered path, by table.
  if (route.keyColumns.length === 0)
    return new Map([[tablePartition(route.destSchema, route.destTable, partitions), rs]]);
  if (partitions === 1 || rs.rowCount === 0) return new Map([[0, rs]]);
  const columns = route.keyColumns.map((k) => {
    const i = rs.columnNames.indexOf(k);
    if (i < 0)
      throw new TidewaterError(
        'TW_INTERNAL',
        `rows of ${route.destSchema}.${route.destTable} lack the key column ${k} they are routed by`,
      );
    return i;
  });
  const hashes = rowHashes(rs, columns, tableSeed(route.destSchema, route.destTable));
  const rows = new Map<number, number[]>();
  for (let r = 0; r < rs.rowCount; r++) {
    const p = partitionOfHash(hashes[r]!, partitions);
    let list = rows.get(p);
    if (!list) rows.set(p, (list = []));
    list.push(r);
    if (rs.kinds[r] === ChangeKind.CHANGE_KIND_UPDATE_BEFORE && r + 1 < rs.rowCount) list.push(++r);
  }
  if (rows.size === 1) return new Map([[rows.keys().next().value!, rs]]);
  return new Map([...rows].map(([p, list]) => [p, selectRows(rs, list)]));
}

function routeOf(
  routing: Routing,
  taskId: string,
  table: { database: string; table: string } | undefined,
  what: string,
): TableRoute {
  const key = `${table?.database}.${table?.table}`;
  const route = routing.routes.get(key);
  if (!route) throw new TidewaterError('TW_INTERNAL', `${what} ${key}, which task ${taskId} does not migrate`);
  return route;
}

/**
 * Partition of a snapshot batch from its producer's headers, when it can be forwarded as it
 * is (no row-level transform applies): saves decoding and re-encoding every row. Undefined
 * when a header is missing (a batch from an older snapshot) and the batch must be decoded.
 */
export function passThroughPartition(
  sourceTable: string | undefined,
  chunkId: string | undefined,
  routing: Routing,
): number | undefined {
  if (!sourceTable || !chunkId) return undefined;
  const route = routing.routes.get(sourceTable);
  if (!route)
    throw new TidewaterError('TW_INTERNAL', `batch holds rows of ${sourceTable}, which this task does not migrate`);
  if (route.plan && !route.plan.identity) return undefined;
  return chunkPartition(route.destSchema, route.destTable, chunkId, routing.partitions);
}

function partitionBatch(out: Map<number, Batch>, batch: Batch, p: number): Batch {
  let b = out.get(p);
  if (!b) {
    b = { ...batch, tables: [], schemaChanges: [] };
    out.set(p, b);
  }
  return b;
}
