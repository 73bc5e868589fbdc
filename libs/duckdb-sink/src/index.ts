export { DuckDbWarehouse } from './warehouse.js';
export { WarehouseSession } from './warehouse-session.js';
export { duckdbType, isZeroDate, type TemporalMapping } from './type-mapping.js';
export { mergedViewSql } from './merged-view.js';
export { queryWarehouseFile, type QueryResult } from './read-query.js';
