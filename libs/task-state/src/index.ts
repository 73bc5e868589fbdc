export { TaskStore, ACTIVE_STAGES, specOf, taskOwner, type StoredTask } from './task-store.js';
export { TaskLeases } from './task-lease.js';
export { FaultReporter, FailingSince, FAULT_REPEAT_MS, FAULT_STALE_MS } from './fault-reporter.js';
