export { TaskStore, ACTIVE_STAGES, specOf, type StoredTask } from './task-store.js';
export { destTables, sinkPartition, SINK_PARTITIONS } from './dest-tables.js';
export { TaskLeases } from './task-lease.js';
