export {
  logColumns,
  partitionColumnName,
  reservedLogColumnNames,
  PARTITION_COLUMNS,
  type DestTable,
  type TableOptions,
  type LogColumns,
  type PartitionColumn,
} from './dest-table.js';
export { destTables, destTableOf } from './dest-tables.js';
export {
  sinkPartitionsOf,
  taskPartitions,
  fnv1a,
  tableSeed,
  partitionOfHash,
  chunkPartition,
  tablePartition,
} from './sink-partition.js';
export { computedColumnDef } from './computed-column.js';
export {
  tableExpressions,
  filterSql,
  exprColumns,
  rowsPassUnchanged,
  type TableExpressions,
} from './table-expressions.js';
export type { Destination, PartitionWriter } from './destination.js';
export { logFlags, partitionValue, type LogFlags } from './log-values.js';
