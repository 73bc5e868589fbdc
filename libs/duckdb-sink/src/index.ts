export { DuckDbWarehouse } from './warehouse.js';
export { WarehouseSession } from './warehouse-session.js';
export { duckdbType, type TemporalMapping } from './type-mapping.js';
export { mergedViewSql } from './merged-view.js';
export { type Cell, type QueryResult, type ReadLimits, DEFAULT_MAX_ROWS } from './read-query.js';
export { type ExportedObject, type ExportOptions } from './parquet-export.js';
export { WarehouseFile } from './warehouse-file.js';
