export { TaskStore, ACTIVE_STAGES, specOf, taskOwner, type StoredTask } from './task-store.js';
export { destTables, destTableOf, sinkPartition, taskPartitions, SINK_PARTITIONS } from './dest-tables.js';
export { computedColumnDef } from './computed-column.js';
export { TaskLeases } from './task-lease.js';
export { FaultReporter, FailingSince, FAULT_REPEAT_MS, FAULT_STALE_MS } from './fault-reporter.js';
export { tableExpressions, filterSql, exprColumns, type TableExpressions } from './table-expressions.js';
