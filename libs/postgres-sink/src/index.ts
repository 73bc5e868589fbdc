export { PostgresWarehouse } from './warehouse.js';
export { PostgresSession } from './session.js';
export { describeUrl } from './connection.js';
export { postgresType } from './type-mapping.js';
