export { binlogChecks, failures } from './binlog-checks.js';
export { requireIncrementalReady } from './require.js';
export { runPrecheck, type PrecheckProbes } from './task-precheck.js';
export type { BusFacts } from './bus-checks.js';
export { privilegeCheck } from './privileges.js';
