export { Lifecycle, type Component } from './lifecycle.js';
export { healthResponder, healthSubject, type HealthReport } from './health.js';
export { runService, type ServiceContext } from './service.js';
export { taskWorkers, type TaskWorker } from './task-workers.js';
export { freePort, accepts } from './net.js';
export { Throttle, type Rates } from './throttle.js';
