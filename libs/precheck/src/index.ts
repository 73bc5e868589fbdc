export { binlogChecks, failures } from './binlog-checks.js';
export { requireIncrementalReady } from './require.js';
