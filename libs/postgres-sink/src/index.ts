export { PostgresWarehouse } from './warehouse.js';
export { PostgresSession } from './session.js';
export { describeUrl } from './connection.js';
export { postgresType, isZeroDate } from './type-mapping.js';
