export { DuckDbWarehouse } from './warehouse.js';
export { duckdbType, isZeroDate, type TemporalMapping } from './type-mapping.js';
export { logColumns, partitionColumnName, type DestTable, type TableOptions, type LogColumns, type PartitionColumn } from './dest-table.js';
export { mergedViewSql } from './merged-view.js';
export { queryWarehouseFile, type QueryResult } from './read-query.js';
