export { Lifecycle, type Component } from './lifecycle.js';
export { awaitInstances, healthResponder, healthSubject, type HealthReport } from './health.js';
export { runService, type ServiceContext } from './service.js';
export { taskWorkers, STANDBY, type TaskWorker } from './task-workers.js';
export { exclusiveWorkers, type ExclusiveOptions } from './exclusive.js';
export {
  taskWorker,
  type WorkerContext,
  type WorkerParts,
  type WorkerServices,
  type TaskWorkerOptions,
} from './task-worker.js';
export { freePort, accepts } from './net.js';
export { Throttle, type Rates } from './throttle.js';
export { countBatchRows, tableLabel } from './row-metrics.js';
export { healthStatus } from './health.js';
